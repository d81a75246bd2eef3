using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// What the device events (<c>vsa/v1/{deviceId}/events</c>) say about a device now: enclosure opened, maintenance switch,
/// cameras reported offline. Held in memory: after a fleet restart a device's conditions are unknown until its next event.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Tamper">The enclosure is reported open (tamper switch), until a <c>tamper_cleared</c>.</param>
/// <param name="TamperAt">Time of the last tamper or tamper_cleared event (agent clock).</param>
/// <param name="Maintenance">The maintenance switch is on: the device suppresses its alerts.</param>
/// <param name="MaintenanceAt">Time of the last maintenance_on or maintenance_off event (agent clock).</param>
/// <param name="CamerasOffline">Cameras whose last event was <c>camera_offline</c>, by id.</param>
/// <param name="LastEvent">The newest event applied.</param>
public sealed record DeviceConditions(
    string DeviceId,
    bool Tamper,
    DateTimeOffset? TamperAt,
    bool Maintenance,
    DateTimeOffset? MaintenanceAt,
    IReadOnlyList<string> CamerasOffline,
    DeviceEvent LastEvent);

/// <summary>Folds device events into <see cref="DeviceConditions"/>; an event older than the one held for the same switch or camera is ignored.</summary>
public sealed class DeviceConditionsState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _devices = new(StringComparer.Ordinal);

    /// <summary>Applies an event; returns the device's conditions after it, or null if the event was older than what is held.</summary>
    public DeviceConditions? Apply(DeviceEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);

        // The reason is shown to every role and may quote a camera source: its password never reaches them.
        e = e with { Reason = Vsa.Edge.Configuration.SourceSecrets.Mask(e.Reason) };
        lock (_gate)
        {
            if (!_devices.TryGetValue(e.DeviceId, out var entry))
            {
                entry = new Entry();
                _devices[e.DeviceId] = entry;
            }

            // Each switch and each camera is ordered on its own: a late camera event must not undo a newer tamper.
            var key = e.Kind switch
            {
                DeviceEventKind.Tamper or DeviceEventKind.TamperCleared => "tamper",
                DeviceEventKind.MaintenanceOn or DeviceEventKind.MaintenanceOff => "maintenance",
                _ => $"camera:{e.CameraId}",
            };
            if (entry.Times.TryGetValue(key, out var held) && e.At < held)
            {
                return null;
            }

            entry.Times[key] = e.At;
            switch (e.Kind)
            {
                case DeviceEventKind.Tamper:
                case DeviceEventKind.TamperCleared:
                    entry.Tamper = e.Kind == DeviceEventKind.Tamper;
                    break;
                case DeviceEventKind.MaintenanceOn:
                case DeviceEventKind.MaintenanceOff:
                    entry.Maintenance = e.Kind == DeviceEventKind.MaintenanceOn;
                    break;
                case DeviceEventKind.CameraOffline when e.CameraId is not null:
                    entry.CamerasOffline.Add(e.CameraId);
                    break;
                case DeviceEventKind.CameraOnline when e.CameraId is not null:
                    entry.CamerasOffline.Remove(e.CameraId);
                    break;
                default:
                    break;
            }

            entry.Last = e;
            return entry.View(e.DeviceId);
        }
    }

    /// <summary>Conditions of every device that sent an event since start, by device id.</summary>
    public IReadOnlyList<DeviceConditions> List()
    {
        lock (_gate)
        {
            return [.. _devices.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => d.Value.View(d.Key))];
        }
    }

    private sealed class Entry
    {
        public Dictionary<string, DateTimeOffset> Times { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> CamerasOffline { get; } = new(StringComparer.Ordinal);

        public bool Tamper { get; set; }

        public bool Maintenance { get; set; }

        public DeviceEvent? Last { get; set; }

        public DeviceConditions View(string deviceId) => new(
            deviceId,
            Tamper,
            Times.TryGetValue("tamper", out var t) ? t : null,
            Maintenance,
            Times.TryGetValue("maintenance", out var m) ? m : null,
            [.. CamerasOffline],
            Last!);
    }
}
