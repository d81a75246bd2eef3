using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Suspension;

/// <summary>Kill-switch log messages (event ids 11010–11039).</summary>
internal static partial class SuspensionLog
{
    [LoggerMessage(EventId = 11010, Level = LogLevel.Warning, Message = "Suspension state version {Version} applied: {What}")]
    public static partial void Applied(ILogger logger, long version, string what);

    [LoggerMessage(EventId = 11011, Level = LogLevel.Warning, Message = "Suspension state refused: {Error}")]
    public static partial void Refused(ILogger logger, string error);

    [LoggerMessage(EventId = 11012, Level = LogLevel.Warning, Message = "Suspension state version {Version} kept in {Path} applied at start: {What}")]
    public static partial void KeptApplied(ILogger logger, long version, string path, string what);

    [LoggerMessage(EventId = 11013, Level = LogLevel.Error, Message = "The suspension state kept in {Path} is refused ({Error}); waiting for the fleet's")]
    public static partial void KeptRefused(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 11014, Level = LogLevel.Error, Message = "The suspension state kept on disk cannot be read: {Problem}")]
    public static partial void KeptUnreadable(ILogger logger, string problem);

    [LoggerMessage(EventId = 11015, Level = LogLevel.Error, Message = "Could not keep the suspension state in {Path}: {Error}; it applies now but a restart will not find it")]
    public static partial void KeepFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 11016, Level = LogLevel.Warning, Message = "Camera {CameraId}: analysis suspended, {Count} open alert(s) ended")]
    public static partial void CameraSuspended(ILogger logger, string cameraId, int count);

    [LoggerMessage(EventId = 11017, Level = LogLevel.Warning, Message = "Camera {CameraId}: analysis resumed")]
    public static partial void CameraResumed(ILogger logger, string cameraId);

    [LoggerMessage(EventId = 11018, Level = LogLevel.Warning, Message = "Local kill input {State}: {What}")]
    public static partial void LocalKill(ILogger logger, string state, string what);
}
