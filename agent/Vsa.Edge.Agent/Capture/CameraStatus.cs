using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Capture;

/// <summary>
/// A camera's online/offline state; raises <c>camera_online</c> / <c>camera_offline</c> on transitions only, so a
/// camera that keeps failing to reconnect reports one offline event, not one per attempt. Thread-safe.
/// </summary>
internal sealed class CameraStatus(string cameraId, IDeviceEventSink events)
{
    private readonly Lock _gate = new();
    private bool? _online;

    public string CameraId { get; } = cameraId;

    /// <summary>True online, false offline, null before the first frame or failure.</summary>
    public bool? IsOnline
    {
        get
        {
            lock (_gate)
            {
                return _online;
            }
        }
    }

    /// <summary>Frames arrive; true when this changed the state (an event was raised).</summary>
    public bool MarkOnline(string? reason) => Set(true, reason);

    /// <summary>Frames stopped; true when this changed the state (an event was raised).</summary>
    public bool MarkOffline(string reason) => Set(false, reason);

    private bool Set(bool online, string? reason)
    {
        lock (_gate)
        {
            if (_online == online)
            {
                return false;
            }

            _online = online;
        }

        events.Raise(online ? DeviceEventKind.CameraOnline : DeviceEventKind.CameraOffline, CameraId, reason, null);
        return true;
    }
}
