using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>A device's stored suspension state: the exact payload the fleet signs and publishes.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Version">Its version (increases with every change).</param>
/// <param name="Payload">The <see cref="SuspensionStateMessage"/> JSON, byte for byte what is signed.</param>
public sealed record DeviceSuspensionState(string DeviceId, long Version, string Payload);

/// <summary>
/// Each device's suspension state (table <c>device_suspension_state</c>): computed from the suspensions in force, stored with
/// a version that only grows, also across a restore of the database (<see cref="SuspensionVersions"/>), so the device can
/// refuse a replayed older state and still obeys the first one issued after a restore. A device that was never suspended has no row
/// and gets no message.
/// </summary>
public sealed class SuspensionStates(FleetDatabase database)
{
    /// <summary>Every stored state (what the publisher republishes after connecting).</summary>
    public async Task<IReadOnlyList<DeviceSuspensionState>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT device_id, version, payload FROM device_suspension_state ORDER BY device_id;");
        var list = new List<DeviceSuspensionState>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Read(c));
        }

        return list;
    }

    /// <summary>One device's stored state, or null.</summary>
    public async Task<DeviceSuspensionState?> FindAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, deviceId, cancellationToken);
    }

    /// <summary>
    /// Serialises changes of the suspension states (PostgreSQL: a table lock until commit; SQLite's writer is already
    /// alone): two concurrent changes would otherwise both compute version N+1 and the later would drop the other's.
    /// </summary>
    public static async Task LockAsync(FleetDatabase database, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var sql = database.Dialect.LockTableSql("device_suspension_state");
        if (sql.Length > 0)
        {
            await using var command = connection.Sql(transaction, sql);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Recomputes every known device's state from <paramref name="active"/> in the caller's transaction and stores those that
    /// changed with their next version (<see cref="SuspensionVersions.Next(long, long?, DateTimeOffset)"/>); returns the changed devices.
    /// </summary>
    public async Task<IReadOnlyList<string>> RecomputeAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<SuspensionView> active, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var changed = new List<string>();
        foreach (var (deviceId, site) in await SuspensionStore.KnownDevicesAsync(connection, transaction, cancellationToken))
        {
            var stored = await FindAsync(connection, transaction, deviceId, cancellationToken);
            var reported = await ReportedVersionAsync(connection, transaction, deviceId, cancellationToken);
            var next = Compute(deviceId, site, active, SuspensionVersions.Next(stored?.Version ?? 0, reported, now), now);
            if (stored is null ? next.Device is null && next.Cameras.Count == 0 : SameContent(stored.Payload, next))
            {
                continue;
            }

            var payload = JsonSerializer.Serialize(next, ContractsJsonContext.Default.SuspensionStateMessage);
            await using var upsert = connection.Sql(transaction, """
                INSERT INTO device_suspension_state (device_id, version, issued_at, payload) VALUES (@device, @version, @now, @payload)
                ON CONFLICT (device_id) DO UPDATE SET version = excluded.version, issued_at = excluded.issued_at, payload = excluded.payload;
                """).With("@device", deviceId).With("@version", next.Version).With("@payload", payload);
            database.Dialect.AddTime(upsert, "@now", now);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
            changed.Add(deviceId);
        }

        return changed;
    }

    // The suspension version the device applies, from its last stored heartbeat (null: none, or not readable).
    private static async Task<long?> ReportedVersionAsync(DbConnection connection, DbTransaction transaction, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT last_health FROM devices WHERE device_id = @device;").With("@device", deviceId);
        if (await command.ExecuteScalarAsync(cancellationToken) is not string health)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(health, ContractsJsonContext.Default.HealthMessage)?.Suspension?.Version;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The suspension state of <paramref name="deviceId"/> on <paramref name="site"/> under <paramref name="active"/>.</summary>
    public static SuspensionStateMessage Compute(string deviceId, string? site, IReadOnlyList<SuspensionView> active, long version, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(active);
        var whole = active.FirstOrDefault(s => s.Scope != SuspensionScope.Camera && s.Covers(deviceId, site, null));
        var cameras = active
            .Where(s => s.Scope == SuspensionScope.Camera && string.Equals(s.DeviceId, deviceId, StringComparison.Ordinal))
            .DistinctBy(s => s.CameraId, StringComparer.Ordinal)
            .Select(s => new CameraSuspensionEntry(s.CameraId!, s.Reason, s.Since))
            .ToList();
        return new SuspensionStateMessage(
            SuspensionStateMessage.SchemaId, SuspensionStateMessage.CurrentVersion, deviceId, version, now,
            whole is null ? null : new SuspensionEntry(SuspensionStore.ScopeName(whole.Scope), whole.Reason, whole.Since),
            cameras);
    }

    private static bool SameContent(string storedPayload, SuspensionStateMessage next)
    {
        var stored = JsonSerializer.Deserialize(storedPayload, ContractsJsonContext.Default.SuspensionStateMessage);
        return stored is not null
            && Content(stored) == Content(next);

        static string Content(SuspensionStateMessage m) =>
            JsonSerializer.Serialize(m with { Version = 0, IssuedAt = default }, ContractsJsonContext.Default.SuspensionStateMessage);
    }

    private static async Task<DeviceSuspensionState?> FindAsync(DbConnection connection, DbTransaction? transaction, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT device_id, version, payload FROM device_suspension_state WHERE device_id = @device;").With("@device", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader.Columns()) : null;
    }

    private static DeviceSuspensionState Read(NamedColumns c) => new(c.String("device_id"), c.Int64("version"), c.String("payload"));
}
