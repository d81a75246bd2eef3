using System.Collections.Concurrent;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// Which heartbeats go into the history (<c>device_health</c>): at most one per device per
/// <see cref="IngestionOptions.MinHeartbeatInterval"/> of receipt time (the injected clock's, never the device's own
/// <c>sentAt</c>, which the device chooses). A faster one still updates the device's state (last seen, online, last health);
/// it is only not kept in the history, and is counted as coalesced. In memory: after a restart the first heartbeat of each
/// device is kept, and a stored heartbeat whose transaction rolls back leaves at most one interval without history.
/// </summary>
public sealed class HeartbeatCoalescer(TimeSpan minInterval)
{
    /// <summary>Most devices remembered; beyond that the memory starts over (one extra row per device, never unbounded memory).</summary>
    public const int MaxDevices = 100_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastKept = new(StringComparer.Ordinal);

    /// <summary>True when a heartbeat of <paramref name="deviceId"/> received at <paramref name="receivedAt"/> is to be kept.</summary>
    public bool ShouldKeep(string deviceId, DateTimeOffset receivedAt)
    {
        if (minInterval <= TimeSpan.Zero)
        {
            return true;
        }

        if (_lastKept.TryGetValue(deviceId, out var last) && receivedAt >= last && receivedAt - last < minInterval)
        {
            return false;
        }

        if (_lastKept.Count >= MaxDevices && !_lastKept.ContainsKey(deviceId))
        {
            _lastKept.Clear();
        }

        _lastKept[deviceId] = receivedAt;
        return true;
    }
}
