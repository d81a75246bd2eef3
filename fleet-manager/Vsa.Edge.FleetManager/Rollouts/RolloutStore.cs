using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>A stored rollout (table <c>rollouts</c>, migration 18).</summary>
public sealed record RolloutRow(
    long Id, string Package, string Kind, string Target, RolloutGates Gates, IReadOnlyList<RolloutStage> Stages,
    RolloutStatus Status, int Stage, DateTimeOffset? StageStartedAt, DateTimeOffset? GateSince, string? Reason,
    DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset UpdatedAt);

/// <summary>A stored device of a rollout (table <c>rollout_devices</c>): <see cref="RolloutDeviceView"/> plus what the driver keeps.</summary>
public sealed record RolloutDeviceRow(
    long RolloutId, string DeviceId, int Stage, string State, string? Reason, string? PreviousSha256, string? PreviousVersion,
    double? BaselineP95, double? BaselineFps, DateTimeOffset? AssignedAt, DateTimeOffset? ActiveAt, DateTimeOffset? StateAt,
    string? Status, DateTimeOffset? StatusAt, int Restarts, bool Waived, bool Open);

/// <summary>What the fleet last heard of a device: its newest heartbeat and status.</summary>
/// <param name="Health">Newest heartbeat, null when none.</param>
/// <param name="Status">Newest status (<c>online</c>, <c>offline</c>…), null when none.</param>
/// <param name="StatusAt">Its time.</param>
public sealed record DeviceSignals(HealthMessage? Health, string? Status, DateTimeOffset? StatusAt);

/// <summary>
/// Rollouts in the fleet database. A device is in at most one open rollout (running or paused): a unique index on
/// <c>rollout_devices (device_id) WHERE open = 1</c> holds that even against two administrators at once.
/// </summary>
public sealed class RolloutStore(FleetDatabase database)
{
    private const string Columns = "rollout_id, package_sha256, model_kind, target, plan, stages, status, stage, stage_started_at, gate_since, reason, created_at, created_by, updated_at";
    private const string DeviceColumns = "rollout_id, device_id, stage, state, reason, previous_sha256, previous_version, baseline_p95, baseline_fps, assigned_at, active_at, state_at, status, status_at, restarts, waived, open";

    /// <summary>Devices of <paramref name="deviceIds"/> already in an open rollout, with that rollout's id.</summary>
    public static async Task<IReadOnlyList<(string DeviceId, long RolloutId)>> OpenConflictsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        var wanted = deviceIds.ToHashSet(StringComparer.Ordinal);
        var found = new List<(string, long)>();
        await using var command = connection.Sql(transaction, "SELECT device_id, rollout_id FROM rollout_devices WHERE open = 1 ORDER BY device_id;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (wanted.Contains(c.String("device_id")))
            {
                found.Add((c.String("device_id"), c.Int64("rollout_id")));
            }
        }

        return found;
    }

    /// <summary>Records a new running rollout and its devices (all <c>queued</c>, open) in the caller's transaction.</summary>
    public async Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, ValidRollout rollout, IReadOnlyList<RolloutStage> stages, IReadOnlyList<(string DeviceId, int Stage)> devices, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, """
            INSERT INTO rollouts (package_sha256, model_kind, target, plan, stages, status, stage, created_at, created_by, updated_at)
            VALUES (@package, @kind, @target, @plan, @stages, 'running', 0, @now, @actor, @now)
            RETURNING rollout_id;
            """).With("@package", rollout.Package).With("@kind", rollout.Kind).With("@target", rollout.Target)
            .With("@plan", JsonSerializer.Serialize(rollout.Gates, RolloutJsonContext.Default.RolloutGates))
            .With("@stages", JsonSerializer.Serialize(stages, RolloutJsonContext.Default.IReadOnlyListRolloutStage)).With("@actor", actor);
        database.Dialect.AddTime(command, "@now", now);
        var id = await command.ScalarInt64Async(cancellationToken);
        foreach (var (deviceId, stage) in devices)
        {
            await using var insert = connection.Sql(transaction, $"""
                INSERT INTO rollout_devices ({DeviceColumns})
                VALUES (@id, @device, @stage, 'queued', NULL, NULL, NULL, NULL, NULL, NULL, NULL, @now, NULL, NULL, 0, 0, 1);
                """).With("@id", id).With("@device", deviceId).With("@stage", stage);
            database.Dialect.AddTime(insert, "@now", now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return id;
    }

    /// <summary>Every rollout, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<RolloutRow>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM rollouts ORDER BY rollout_id DESC LIMIT @limit;").With("@limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>Rollouts the driver still has work on: running, paused (states to follow) and aborted ones with devices still to restore.</summary>
    public async Task<IReadOnlyList<long>> WorkAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, """
            SELECT rollout_id FROM rollouts WHERE status IN ('running', 'paused')
            UNION SELECT rollout_id FROM rollout_devices WHERE state = 'restoring'
            ORDER BY 1;
            """);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(c.Int64("rollout_id"));
        }

        return ids;
    }

    /// <summary>One rollout, or null.</summary>
    public async Task<RolloutRow?> FindAsync(DbConnection connection, DbTransaction? transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM rollouts WHERE rollout_id = @id;").With("@id", id);
        var rows = await ReadAsync(command, cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>The devices of a rollout, by stage then id.</summary>
    public async Task<IReadOnlyList<RolloutDeviceRow>> DevicesAsync(DbConnection connection, DbTransaction? transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {DeviceColumns} FROM rollout_devices WHERE rollout_id = @id ORDER BY stage, device_id;").With("@id", id);
        var list = new List<RolloutDeviceRow>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var c = r.Columns(database.Dialect);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new(c.Int64("rollout_id"), c.String("device_id"), c.Int32("stage"), c.String("state"), c.StringOrNull("reason"),
                c.StringOrNull("previous_sha256"), c.StringOrNull("previous_version"),
                c.IsNull("baseline_p95") ? null : c.Double("baseline_p95"), c.IsNull("baseline_fps") ? null : c.Double("baseline_fps"),
                c.TimeOrNull("assigned_at"), c.TimeOrNull("active_at"), c.TimeOrNull("state_at"),
                c.StringOrNull("status"), c.TimeOrNull("status_at"), c.Int32("restarts"), c.Int32("waived") == 1, c.Int32("open") == 1));
        }

        return list;
    }

    /// <summary>The newest heartbeat and status of each device of rollout <paramref name="id"/>.</summary>
    public async Task<IReadOnlyDictionary<string, DeviceSignals>> SignalsAsync(DbConnection connection, long id, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(null, """
            SELECT r.device_id, d.last_health, d.status, d.status_at FROM rollout_devices r
            JOIN devices d ON d.device_id = r.device_id WHERE r.rollout_id = @id;
            """).With("@id", id);
        var signals = new Dictionary<string, DeviceSignals>(StringComparer.Ordinal);
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var c = r.Columns(database.Dialect);
        while (await r.ReadAsync(cancellationToken))
        {
            var health = c.IsNull("last_health") ? null : JsonSerializer.Deserialize(c.String("last_health"), ContractsJsonContext.Default.HealthMessage);
            signals[c.String("device_id")] = new(health, c.StringOrNull("status"), c.TimeOrNull("status_at"));
        }

        return signals;
    }

    /// <summary>Writes a rollout's moving parts (status, stage, stages, clocks, reason).</summary>
    public async Task UpdateAsync(DbConnection connection, DbTransaction? transaction, RolloutRow row, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, """
            UPDATE rollouts SET status = @status, stage = @stage, stages = @stages, stage_started_at = @started, gate_since = @since,
                reason = @reason, updated_at = @updated WHERE rollout_id = @id;
            """).With("@status", StatusName(row.Status)).With("@stage", row.Stage)
            .With("@stages", JsonSerializer.Serialize(row.Stages, RolloutJsonContext.Default.IReadOnlyListRolloutStage))
            .With("@reason", row.Reason).With("@id", row.Id);
        database.Dialect.AddTime(command, "@started", row.StageStartedAt);
        database.Dialect.AddTime(command, "@since", row.GateSince);
        database.Dialect.AddTime(command, "@updated", row.UpdatedAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Writes a device's moving parts.</summary>
    public async Task UpdateAsync(DbConnection connection, DbTransaction? transaction, RolloutDeviceRow row, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, """
            UPDATE rollout_devices SET state = @state, reason = @reason, previous_sha256 = @prevSha, previous_version = @prevVersion,
                baseline_p95 = @p95, baseline_fps = @fps, assigned_at = @assigned, active_at = @active, state_at = @stateAt,
                status = @status, status_at = @statusAt, restarts = @restarts, waived = @waived, open = @open
            WHERE rollout_id = @id AND device_id = @device;
            """).With("@state", row.State).With("@reason", row.Reason).With("@prevSha", row.PreviousSha256).With("@prevVersion", row.PreviousVersion)
            .With("@p95", row.BaselineP95).With("@fps", row.BaselineFps).With("@status", row.Status).With("@restarts", row.Restarts)
            .With("@waived", row.Waived ? 1 : 0).With("@open", row.Open ? 1 : 0).With("@id", row.RolloutId).With("@device", row.DeviceId);
        var dialect = database.Dialect;
        dialect.AddTime(command, "@assigned", row.AssignedAt);
        dialect.AddTime(command, "@active", row.ActiveAt);
        dialect.AddTime(command, "@stateAt", row.StateAt);
        dialect.AddTime(command, "@statusAt", row.StatusAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Open rollout of each device that is in one.</summary>
    public async Task<IReadOnlyDictionary<string, long>> OpenByDeviceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT device_id, rollout_id FROM rollout_devices WHERE open = 1;");
        var open = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            open[c.String("device_id")] = c.Int64("rollout_id");
        }

        return open;
    }

    /// <summary>The stored name of a status.</summary>
    public static string StatusName(RolloutStatus status) => status switch
    {
        RolloutStatus.Running => "running",
        RolloutStatus.Paused => "paused",
        RolloutStatus.Completed => "completed",
        RolloutStatus.Aborted => "aborted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static RolloutStatus ParseStatus(string name) => name switch
    {
        "running" => RolloutStatus.Running,
        "paused" => RolloutStatus.Paused,
        "completed" => RolloutStatus.Completed,
        "aborted" => RolloutStatus.Aborted,
        _ => throw new FormatException($"'{name}' is not a rollout status."),
    };

    private async Task<IReadOnlyList<RolloutRow>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var list = new List<RolloutRow>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var c = r.Columns(database.Dialect);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(new(c.Int64("rollout_id"), c.String("package_sha256"), c.String("model_kind"), c.String("target"),
                JsonSerializer.Deserialize(c.String("plan"), RolloutJsonContext.Default.RolloutGates)!,
                JsonSerializer.Deserialize(c.String("stages"), RolloutJsonContext.Default.IReadOnlyListRolloutStage)!,
                ParseStatus(c.String("status")), c.Int32("stage"), c.TimeOrNull("stage_started_at"), c.TimeOrNull("gate_since"), c.StringOrNull("reason"),
                c.Time("created_at"), c.String("created_by"), c.Time("updated_at")));
        }

        return list;
    }
}
