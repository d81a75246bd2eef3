using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.DeviceEvents;

/// <summary>Device event log messages (event ids 6000–6099).</summary>
internal static partial class DeviceEventLog
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Warning, Message = "Device event {Kind} (camera {CameraId}){Detail}")]
    public static partial void Raised(ILogger logger, DeviceEventKind kind, string cameraId, string detail);

    // A return to normal (camera back, enclosure closed, maintenance over) is news, not a warning.
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Device event {Kind} (camera {CameraId}){Detail}")]
    public static partial void Cleared(ILogger logger, DeviceEventKind kind, string cameraId, string detail);
}
