using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.DeviceEvents;

/// <summary>
/// Where capture and GPIO report device events (<see cref="DeviceEvent"/>). Never blocks: implementations stamp,
/// log and queue the event; the MQTT side publishes the queue (<see cref="DeviceEventHub.Pending"/>).
/// </summary>
public interface IDeviceEventSink
{
    /// <summary>Reports an event now.</summary>
    /// <param name="kind">What happened.</param>
    /// <param name="cameraId">The camera, for camera events; null otherwise.</param>
    /// <param name="reason">Why, in words; null when there is nothing to add.</param>
    /// <param name="suppressedAlerts">For <see cref="DeviceEventKind.MaintenanceOff"/>: alerts suppressed meanwhile; null otherwise.</param>
    void Raise(DeviceEventKind kind, string? cameraId, string? reason, long? suppressedAlerts);
}

/// <summary>The device's overall condition, shown by the status LED.</summary>
public enum DeviceCondition
{
    /// <summary>Every camera delivers frames; no tamper; no maintenance.</summary>
    Ok,

    /// <summary>Starting (no camera reported yet), some camera offline, or maintenance on.</summary>
    Degraded,

    /// <summary>The enclosure is open, or every camera is offline.</summary>
    Error,
}
