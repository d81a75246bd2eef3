using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Setup;

/// <summary>Set-up page log messages (event ids 12100–12199).</summary>
internal static partial class SetupLog
{
    [LoggerMessage(EventId = 12100, Level = LogLevel.Information, Message = "Set-up page listening on {Url} (certificate SHA-256 {Fingerprint})")]
    public static partial void Listening(ILogger logger, string url, string fingerprint);

    [LoggerMessage(EventId = 12101, Level = LogLevel.Warning, Message = "Set-up page: wrong one-time code from {Remote} ({Failures} of {Max})")]
    public static partial void WrongCode(ILogger logger, string remote, int failures, int max);

    [LoggerMessage(EventId = 12102, Level = LogLevel.Warning, Message = "Set-up page locked after {Max} wrong codes: Enter on the pole's terminal prints a new code")]
    public static partial void LockedOut(ILogger logger, int max);

    [LoggerMessage(EventId = 15500, Level = LogLevel.Warning, Message = "Set-up page: sign-in refused from {Remote}, locked ({ClientFailures} wrong codes from it, {TotalFailures} from all clients): Enter on the pole's terminal prints a new code")]
    public static partial void ClientLockedOut(ILogger logger, string remote, int clientFailures, int totalFailures);

    [LoggerMessage(EventId = 12103, Level = LogLevel.Information, Message = "Set-up page: installer signed in from {Remote}")]
    public static partial void SignedIn(ILogger logger, string remote);

    [LoggerMessage(EventId = 12104, Level = LogLevel.Information, Message = "Camera {CameraId}: draft applied to the live pipeline ({Rules} rules)")]
    public static partial void DraftApplied(ILogger logger, string cameraId, int rules);

    [LoggerMessage(EventId = 12105, Level = LogLevel.Information, Message = "Camera {CameraId}: document saved to {Path}")]
    public static partial void Saved(ILogger logger, string cameraId, string path);

    [LoggerMessage(EventId = 12106, Level = LogLevel.Warning, Message = "Set-up live view: source {Source} failed, retrying in {Delay}: {Error}")]
    public static partial void SourceFailed(ILogger logger, string source, TimeSpan delay, string error);

    [LoggerMessage(EventId = 13001, Level = LogLevel.Warning, Message = "Set-up page: a new one-time code was issued on the pole's terminal; the previous one no longer opens the page")]
    public static partial void CodeRenewed(ILogger logger);

    [LoggerMessage(EventId = 12107, Level = LogLevel.Debug, Message = "Set-up live view: pipeline restarted ({Reason})")]
    public static partial void PipelineRestarted(ILogger logger, string reason);

    [LoggerMessage(EventId = 14700, Level = LogLevel.Warning, Message = "Set-up page: {Max} sessions were open; the one idle the longest was closed for the new sign-in")]
    public static partial void SessionEvicted(ILogger logger, int max);
}
