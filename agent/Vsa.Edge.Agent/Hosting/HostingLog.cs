using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>Host log messages: watchdog, configuration reload, stop (event ids 7000–7099).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Debug, Message = "systemd watchdog off (no WATCHDOG_USEC or NOTIFY_SOCKET)")]
    public static partial void WatchdogOff(ILogger logger);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "systemd watchdog on: ping every {Interval} while every camera progresses within {Timeout}")]
    public static partial void WatchdogOn(ILogger logger, TimeSpan interval, TimeSpan timeout);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Withholding the systemd watchdog ping: camera(s) {Cameras} made no progress for {Timeout}; systemd will restart the agent")]
    public static partial void WatchdogWithheld(ILogger logger, string cameras, TimeSpan timeout);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Every camera progresses again; systemd watchdog pings resumed")]
    public static partial void WatchdogResumed(ILogger logger);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information, Message = "Camera {CameraId}: reloaded {Path} ({Rules} rules); capture and inference kept running")]
    public static partial void ReloadApplied(ILogger logger, string cameraId, string path, int rules);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Error, Message = "Camera {CameraId}: change to {Path} rejected, the previous configuration keeps running: {Errors}")]
    public static partial void ReloadRejected(ILogger logger, string cameraId, string path, string errors);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Warning, Message = "Camera {CameraId}: the source changed in {Path}; it takes effect at the next restart (rules applied now)")]
    public static partial void ReloadSourceNeedsRestart(ILogger logger, string cameraId, string path);

    [LoggerMessage(EventId = 7013, Level = LogLevel.Debug, Message = "Camera {CameraId}: {Path} touched but unchanged")]
    public static partial void ReloadUnchanged(ILogger logger, string cameraId, string path);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Information, Message = "Camera {CameraId}: {Source} ended; the camera is done")]
    public static partial void CameraCompleted(ILogger logger, string cameraId, string source);
}
