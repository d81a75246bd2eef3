using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Renewal;

/// <summary>Certificate renewal log messages (event ids 12600–12619).</summary>
internal static partial class RenewalLog
{
    [LoggerMessage(EventId = 12600, Level = LogLevel.Information, Message = "Certificate {Serial} valid until {NotAfter:O}: renewal due at {Due:O}")]
    public static partial void Scheduled(ILogger logger, string serial, DateTimeOffset notAfter, DateTimeOffset due);

    [LoggerMessage(EventId = 12601, Level = LogLevel.Information, Message = "Renewed certificate {Old}: now connected with {Serial}, valid until {NotAfter:O} ({Milliseconds:F0} ms from request to switch)")]
    public static partial void Renewed(ILogger logger, string old, string serial, DateTimeOffset notAfter, double milliseconds);

    [LoggerMessage(EventId = 12602, Level = LogLevel.Warning, Message = "Certificate renewal request {RequestId} not answered within {Timeout}; next attempt in {Retry}")]
    public static partial void NoAnswer(ILogger logger, string requestId, TimeSpan timeout, TimeSpan retry);

    [LoggerMessage(EventId = 12603, Level = LogLevel.Warning, Message = "The fleet refused the certificate renewal: {Reason}; next attempt in {Retry}")]
    public static partial void Refused(ILogger logger, string reason, TimeSpan retry);

    [LoggerMessage(EventId = 12604, Level = LogLevel.Warning, Message = "Certificate renewal answer ignored: {Reason}")]
    public static partial void AnswerIgnored(ILogger logger, string reason);

    [LoggerMessage(EventId = 12605, Level = LogLevel.Warning, Message = "The renewed certificate is not usable, nothing was stored: {Reason}; next attempt in {Retry}")]
    public static partial void Unusable(ILogger logger, string reason, TimeSpan retry);

    [LoggerMessage(EventId = 12606, Level = LogLevel.Warning, Message = "Certificate renewal request not sent: {Reason}; next attempt in {Retry}")]
    public static partial void NotSent(ILogger logger, string reason, TimeSpan retry);

    [LoggerMessage(EventId = 12607, Level = LogLevel.Information, Message = "Certificate renewal off ({Reason})")]
    public static partial void Off(ILogger logger, string reason);

    [LoggerMessage(EventId = 12609, Level = LogLevel.Information, Message = "Told the fleet this device connects with certificate {Serial} (its other certificates are revoked)")]
    public static partial void SaidSwitched(ILogger logger, string serial);
}
