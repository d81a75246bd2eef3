using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>Builds what the API shows of rollouts: stored rows, the gates as they stand now, and the model each device runs.</summary>
public sealed class RolloutViews(FleetDatabase database, RolloutStore store, RolloutPorts ports)
{
    /// <summary>One rollout with its devices, or null.</summary>
    public async Task<RolloutView?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await store.FindAsync(connection, null, id, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var devices = await store.DevicesAsync(connection, null, id, cancellationToken);
        var signals = await store.SignalsAsync(connection, id, cancellationToken);
        var views = devices.Select(d => Device(row, d, signals.GetValueOrDefault(d.DeviceId))).ToList();
        string? modelId = null;
        string? modelVersion = null;
        if (ports.Reports is { } reports)
        {
            var started = devices.Where(d => d.AssignedAt is not null).Select(d => d.DeviceId).ToArray();
            var update = (await reports.LatestAsync(started, cancellationToken)).Values
                .SelectMany(r => r.Models).Select(m => m.Update).FirstOrDefault(u => u?.Sha256 == row.Package);
            (modelId, modelVersion) = (update?.Id, update?.Version);
        }

        return View(row, devices, views, modelId, modelVersion);
    }

    /// <summary>The newest rollouts, without their devices (counts only).</summary>
    public async Task<IReadOnlyList<RolloutView>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var rows = await store.ListAsync(limit, cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var list = new List<RolloutView>(rows.Count);
        foreach (var row in rows)
        {
            list.Add(View(row, await store.DevicesAsync(connection, null, row.Id, cancellationToken), [], null, null));
        }

        return list;
    }

    /// <summary>The model each device reported, and the open rollout it is in, for the device board.</summary>
    public async Task<IReadOnlyList<DeviceModelView>> ModelsAsync(CancellationToken cancellationToken)
    {
        if (ports.Reports is not { } reports)
        {
            return [];
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var known = await Suspensions.SuspensionStore.KnownDevicesAsync(connection, null, cancellationToken);
        var open = await store.OpenByDeviceAsync(cancellationToken);
        var latest = await reports.LatestAsync([.. known.Select(k => k.DeviceId)], cancellationToken);
        return [.. latest.OrderBy(r => r.Key, StringComparer.Ordinal).SelectMany(r => r.Value.Models.Select(m => new DeviceModelView(
            r.Key, m.Kind, m.ActiveId, m.ActiveVersion, m.PreviousVersion, m.Update?.Version,
            m.Update is null ? null : RolloutFollow.Name(m.Update.State), m.Update?.Reason, open.TryGetValue(r.Key, out var id) ? id : null)))];
    }

    private static RolloutView View(RolloutRow row, IReadOnlyList<RolloutDeviceRow> devices, IReadOnlyList<RolloutDeviceView> views, string? modelId, string? modelVersion)
    {
        var counts = devices.GroupBy(d => d.State).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new(row.Id, row.Package, row.Kind, modelId, modelVersion, row.Target, row.Status, row.Stage, row.Stages, row.Gates,
            row.Reason, row.CreatedAt, row.CreatedBy, row.UpdatedAt, counts, views);
    }

    private static RolloutDeviceView Device(RolloutRow rollout, RolloutDeviceRow d, DeviceSignals? signals)
    {
        var fresh = d.ActiveAt is { } at && signals?.Health is { } health && health.SentAt > at ? health : null;
        var gate = d.AssignedAt is null ? "waiting: stage not started" : RolloutGate.Device(d, signals?.Health, rollout.Gates).Text;
        return new(d.DeviceId, d.Stage, d.State, d.Reason, gate, d.PreviousVersion, d.BaselineP95, d.BaselineFps,
            RolloutGate.P95(fresh), RolloutGate.Fps(fresh), d.Restarts, d.AssignedAt, d.ActiveAt, d.StateAt);
    }
}
