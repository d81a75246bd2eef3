using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>What became of a suspension or resumption.</summary>
public enum SuspensionOutcome
{
    /// <summary>Stored, audited, devices' states recomputed and queued for publication.</summary>
    Stored,

    /// <summary>No such suspension, or it was already resumed.</summary>
    NotFound,

    /// <summary>The device of a device or camera suspension is not known to the fleet.</summary>
    UnknownDevice,
}

/// <summary>A suspension or resumption's result.</summary>
/// <param name="Outcome">What became of it.</param>
/// <param name="Suspension">The stored suspension when <see cref="SuspensionOutcome.Stored"/>.</param>
/// <param name="Devices">The devices whose state changed (their new state is being published).</param>
public sealed record SuspensionResult(SuspensionOutcome Outcome, SuspensionView? Suspension, IReadOnlyList<string> Devices);

/// <summary>
/// Suspends and resumes the analysis (the kill switch). Each change, the devices' recomputed suspension states and the audit
/// entry (who, why, scope) commit in one transaction; then the publisher is told which devices to send their new state. It
/// also keeps, in memory, whether a global suspension is in force, which the ingestion reads for every alert.
/// </summary>
public sealed class SuspensionService(FleetDatabase database, SuspensionStore store, SuspensionStates states, IAuditLog audit, SuspensionPublisher publisher, TimeProvider timeProvider)
{
    /// <summary>Audit action of a suspension.</summary>
    public const string SuspendAction = "analysis.suspend";

    /// <summary>Audit action of a resumption.</summary>
    public const string ResumeAction = "analysis.resume";

    private SuspensionView? _global;

    /// <summary>The global suspension in force, or null (read on every ingested alert: no database access).</summary>
    public SuspensionView? GlobalSuspension => Volatile.Read(ref _global);

    /// <summary>Reads the global suspension in force (at start).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken) =>
        SetGlobal(await store.ListActiveAsync(cancellationToken));

    /// <summary>Suspends what <paramref name="value"/> names, by <paramref name="actor"/>.</summary>
    public async Task<SuspensionResult> SuspendAsync(ValidSuspension value, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.DeviceId is { } deviceId && !await KnownDevices.IsKnownAsync(database, deviceId, cancellationToken))
        {
            return new(SuspensionOutcome.UnknownDevice, null, []);
        }

        var now = timeProvider.GetUtcNow();
        var (stored, changed, active) = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await SuspensionStates.LockAsync(database, connection, transaction, cancellationToken);
            var suspension = await store.InsertAsync(connection, transaction, value, actor, now, cancellationToken);
            var inForce = await store.ListActiveAsync(connection, transaction, cancellationToken);
            var devices = await states.RecomputeAsync(connection, transaction, inForce, now, cancellationToken);
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, SuspendAction, Target(suspension), Details(suspension, value.Reason, devices)), cancellationToken);
            return (suspension, devices, inForce);
        }, cancellationToken);
        SetGlobal(active);
        publisher.Notify(changed);
        return new(SuspensionOutcome.Stored, stored, changed);
    }

    /// <summary>
    /// Recomputes every known device's state against the suspensions in force and publishes what changed: a device
    /// enrolled after a site or global suspension is suspended from its first connection, like the others.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var changed = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await SuspensionStates.LockAsync(database, connection, transaction, cancellationToken);
            var inForce = await store.ListActiveAsync(connection, transaction, cancellationToken);
            return await states.RecomputeAsync(connection, transaction, inForce, now, cancellationToken);
        }, cancellationToken);
        publisher.Notify(changed);
    }

    /// <summary>Resumes suspension <paramref name="id"/>, by <paramref name="actor"/>, for <paramref name="reason"/>.</summary>
    public async Task<SuspensionResult> ResumeAsync(long id, string reason, string actor, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var (resumed, changed, active) = await database.InTransactionAsync(async (connection, transaction) =>
        {
            await SuspensionStates.LockAsync(database, connection, transaction, cancellationToken);
            var suspension = await store.ResumeAsync(connection, transaction, id, reason, actor, now, cancellationToken);
            if (suspension is null)
            {
                return ((SuspensionView?)null, (IReadOnlyList<string>)[], (IReadOnlyList<SuspensionView>?)null);
            }

            var inForce = await store.ListActiveAsync(connection, transaction, cancellationToken);
            var devices = await states.RecomputeAsync(connection, transaction, inForce, now, cancellationToken);
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, ResumeAction, Target(suspension), Details(suspension, reason, devices)), cancellationToken);
            return ((SuspensionView?)suspension, devices, (IReadOnlyList<SuspensionView>?)inForce);
        }, cancellationToken);
        if (resumed is null)
        {
            return new(SuspensionOutcome.NotFound, null, []);
        }

        SetGlobal(active!);
        publisher.Notify(changed);
        return new(SuspensionOutcome.Stored, resumed, changed);
    }

    private void SetGlobal(IReadOnlyList<SuspensionView> active) =>
        Volatile.Write(ref _global, active.FirstOrDefault(s => s.Scope == SuspensionScope.Global));

    private static string Target(SuspensionView s) => s.Scope switch
    {
        SuspensionScope.Camera => $"camera:{s.DeviceId}/{s.CameraId}",
        SuspensionScope.Device => $"device:{s.DeviceId}",
        SuspensionScope.Site => $"site:{s.Site}",
        _ => "global",
    };

    private static JsonObject Details(SuspensionView s, string reason, IReadOnlyList<string> devices) => new()
    {
        ["suspension"] = s.Id,
        ["scope"] = SuspensionStore.ScopeName(s.Scope),
        ["site"] = s.Site,
        ["deviceId"] = s.DeviceId,
        ["cameraId"] = s.CameraId,
        ["reason"] = reason,
        ["devices"] = new JsonArray([.. devices.Select(d => (JsonNode)JsonValue.Create(d))]),
    };
}
