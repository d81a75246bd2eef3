using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Outbox;

/// <summary>Outbox log messages (event ids 4100–4199).</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Outbox {Location}: {Depth} alerts from a previous run are waiting for the broker")]
    public static partial void Recovered(ILogger logger, int depth, string location);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Outbox full ({MaxAlerts} alerts or {MaxBytes} bytes): dropped the {Count} oldest alerts")]
    public static partial void DroppedFull(ILogger logger, int count, int maxAlerts, long maxBytes);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Outbox: dropped {Count} alerts older than {MaxAge}")]
    public static partial void DroppedExpired(ILogger logger, int count, TimeSpan maxAge);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error, Message = "Outbox {Location}: {Count} alerts could not be stored and are lost")]
    public static partial void StoreFailed(ILogger logger, Exception exception, int count, string location);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error, Message = "The broker refused alert {MessageId} (alert {AlertId}) for good: {Reason}; kept aside in the outbox's rejected table")]
    public static partial void Rejected(ILogger logger, string messageId, string alertId, string reason);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "Outbox {Location} is damaged; set aside as {Aside}, starting an empty one")]
    public static partial void SetAside(ILogger logger, Exception exception, string location, string aside);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Debug, Message = "Stored {Count} alerts in the outbox (depth {Depth})")]
    public static partial void Stored(ILogger logger, int count, int depth);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Outbox {Location}: {Count} alerts were open when the agent last stopped; ended as interrupted")]
    public static partial void EndedInterrupted(ILogger logger, int count, string location);
}
