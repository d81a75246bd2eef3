using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// The device registry in the fleet database, with the devices enrolled or configured that never connected (since migration 23
/// a row of <c>devices</c> with a NULL status; its first heartbeat or status makes it seen). Status messages are ordered by their own timestamp (<c>at</c>); heartbeats by
/// their send time. A heartbeat newer than the last status means the device is up, whatever that status said. Every heartbeat
/// is also kept in <c>device_health</c> (per-camera figures over time) until the retention job removes it.
/// </summary>
public sealed class DeviceStore(FleetDatabase database)
{
    private const string Columns = "device_id, status, status_at, last_heartbeat_at, agent_version, execution_provider, last_health, first_seen_at, updated_at";

    // Every device the fleet knows: one that spoke (devices), one it configured (device_config) or one it enrolled (an
    // active certificate), so a pole installed but not yet connected is on the board too. Columns 9 to 12 are the
    // configuration summary (ReadConfig), 13 the certificate's site; the id comes from the union, the rest may be null.
    private const string Joined = $"""
        WITH known AS (
            SELECT device_id FROM devices
            UNION SELECT device_id FROM device_config
            UNION SELECT device_id FROM device_certificates WHERE revoked_at IS NULL
        )
        {JoinedSelect}
        """;

    // One device: the id is given to each arm of the union. With it only outside (WHERE k.device_id = @device_id on the
    // union), SQLite builds the whole union first, a scan of every device into a temporary B-tree: ~4 ms at 10,000 devices,
    // for every heartbeat and status (the fleet then fell minutes behind 10,000 devices). Here four index look-ups.
    internal const string JoinedOne = $"""
        WITH known AS (
            SELECT device_id FROM devices WHERE device_id = @device_id
            UNION SELECT device_id FROM device_config WHERE device_id = @device_id
            UNION SELECT device_id FROM device_certificates WHERE revoked_at IS NULL AND device_id = @device_id
        )
        {JoinedSelect}
        """;

    private const string JoinedSelect = """
        SELECT k.device_id, d.status, d.status_at, d.last_heartbeat_at, d.agent_version, d.execution_provider, d.last_health, d.first_seen_at, d.updated_at,
               c.version, r.applied_version, r.status AS reported_status, r.reported_at, t.site
        FROM known k
        LEFT JOIN devices d ON d.device_id = k.device_id
        LEFT JOIN device_config c ON c.device_id = k.device_id
        LEFT JOIN device_config_reported r ON r.device_id = k.device_id
        LEFT JOIN device_certificates t ON t.device_id = k.device_id AND t.revoked_at IS NULL
        """;

    /// <summary>Records a heartbeat in its own transaction.</summary>
    public Task<DeviceView?> ApplyHeartbeatAsync(HealthMessage health, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        database.InTransactionAsync((c, t) => ApplyHeartbeatAsync(c, t, health, receivedAt, cancellationToken), cancellationToken);

    /// <summary>Records a heartbeat, in the history too; returns the device row if it changed, null if not newer than the one held.</summary>
    public Task<DeviceView?> ApplyHeartbeatAsync(DbConnection connection, DbTransaction transaction, HealthMessage health, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        ApplyHeartbeatAsync(connection, transaction, health, receivedAt, keepInHistory: true, cancellationToken);

    /// <summary>
    /// Records a heartbeat, in the history too unless <paramref name="keepInHistory"/> is false (a heartbeat coalesced by the
    /// ingestion's rate bound); returns the device row if it changed, null if the heartbeat was not newer than the one held.
    /// </summary>
    public async Task<DeviceView?> ApplyHeartbeatAsync(DbConnection connection, DbTransaction transaction, HealthMessage health, DateTimeOffset receivedAt, bool keepInHistory, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage);
        if (keepInHistory)
        {
            await using var history = connection.Sql(transaction, HeartbeatHistorySql);
            await BindHistory(history, health, receivedAt, json).ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = connection.Sql(transaction, HeartbeatUpsertSql);
        return await ChangedAsync(connection, transaction, BindUpsert(command, health, receivedAt, json), health.DeviceId, cancellationToken);
    }

    /// <summary>The heartbeat history's row (<see cref="BindHistory"/>); a heartbeat already kept (same send time) is ignored.</summary>
    internal const string HeartbeatHistorySql = """
        INSERT INTO device_health (device_id, sent_at, received_at, payload) VALUES (@device_id, @sent_at, @now, @health)
        ON CONFLICT (device_id, sent_at) DO NOTHING;
        """;

    /// <summary>
    /// The device's row after a heartbeat (<see cref="BindUpsert"/>): returns its id when it changed, nothing when the heartbeat
    /// was older than the one held.
    /// </summary>
    internal const string HeartbeatUpsertSql = $"""
        INSERT INTO devices ({Columns}, {DeviceBoardColumns.Names})
        VALUES (@device_id, 'online', NULL, @sent_at, @agent_version, @execution_provider, @health, @now, @now, {DeviceBoardColumns.Parameters})
        ON CONFLICT (device_id) DO UPDATE SET
            last_heartbeat_at = excluded.last_heartbeat_at,
            first_seen_at = CASE WHEN devices.status IS NULL THEN excluded.first_seen_at ELSE devices.first_seen_at END,
            {DeviceBoardColumns.FromExcluded},
            agent_version = excluded.agent_version,
            execution_provider = excluded.execution_provider,
            last_health = excluded.last_health,
            status = CASE WHEN devices.status_at IS NULL OR excluded.last_heartbeat_at > devices.status_at
                          THEN 'online' ELSE devices.status END,
            updated_at = excluded.updated_at
        WHERE devices.last_heartbeat_at IS NULL OR excluded.last_heartbeat_at >= devices.last_heartbeat_at
        RETURNING device_id;
        """;

    /// <summary>Sets the parameters of <see cref="HeartbeatHistorySql"/> (those held before are cleared: a command can be run again).</summary>
    internal DbCommand BindHistory(DbCommand command, HealthMessage health, DateTimeOffset receivedAt, string json)
    {
        command.Parameters.Clear();
        command.With("@device_id", health.DeviceId);
        database.Dialect.AddTime(command, "@sent_at", health.SentAt);
        database.Dialect.AddTime(command, "@now", receivedAt);
        database.Dialect.AddJson(command, "@health", json);
        return command;
    }

    /// <summary>Sets the parameters of <see cref="HeartbeatUpsertSql"/> (those held before are cleared: a command can be run again).</summary>
    internal DbCommand BindUpsert(DbCommand command, HealthMessage health, DateTimeOffset receivedAt, string json)
    {
        command.Parameters.Clear();
        command.With("@device_id", health.DeviceId).With("@agent_version", health.AgentVersion).With("@execution_provider", health.ExecutionProvider);
        database.Dialect.AddTime(command, "@sent_at", health.SentAt);
        database.Dialect.AddTime(command, "@now", receivedAt);
        database.Dialect.AddJson(command, "@health", json);
        return DeviceBoardColumns.Of(health).Bind(command);
    }

    /// <summary>Records a status in its own transaction.</summary>
    public Task<DeviceView?> ApplyStatusAsync(StatusMessage status, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        database.InTransactionAsync((c, t) => ApplyStatusAsync(c, t, status, receivedAt, cancellationToken), cancellationToken);

    /// <summary>Records a status; returns the device row if it changed, null if the status was older than the one held.</summary>
    public async Task<DeviceView?> ApplyStatusAsync(DbConnection connection, DbTransaction transaction, StatusMessage status, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;

        // ">=": an agent's last will carries the time it connected, the same as its "online" status, and must win.
        await using var command = connection.Sql(transaction, $"""
            INSERT INTO devices ({Columns})
            VALUES (@device_id, @status, @at, NULL, NULL, NULL, NULL, @now, @now)
            ON CONFLICT (device_id) DO UPDATE SET
                first_seen_at = CASE WHEN devices.status IS NULL THEN excluded.first_seen_at ELSE devices.first_seen_at END,
                status = excluded.status,
                status_at = excluded.status_at,
                updated_at = excluded.updated_at
            WHERE devices.status_at IS NULL OR excluded.status_at >= devices.status_at
            RETURNING device_id;
            """);
        command.With("@device_id", status.DeviceId).With("@status", WireNames.Of(status.State));
        dialect.AddTime(command, "@at", status.At);
        dialect.AddTime(command, "@now", receivedAt);
        return await ChangedAsync(connection, transaction, command, status.DeviceId, cancellationToken);
    }

    /// <summary>All devices, by id.</summary>
    public async Task<IReadOnlyList<DeviceView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"{Joined} ORDER BY k.device_id;");
        var devices = new List<DeviceView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            devices.Add(ReadView(columns));
        }

        return devices;
    }

    /// <summary>One device, or null.</summary>
    public async Task<DeviceView?> FindAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, deviceId, cancellationToken);
    }

    /// <summary>Number of heartbeats kept for a device.</summary>
    public async Task<int> CountHeartbeatsAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT COUNT(*) FROM device_health WHERE device_id = @device_id;").With("@device_id", deviceId);
        return (int)await command.ScalarInt64Async(cancellationToken);
    }

    internal async Task<DeviceView?> FindAsync(DbConnection connection, DbTransaction? transaction, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"{JoinedOne};").With("@device_id", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(reader.Columns(database.Dialect)) : null;
    }

    // The upsert's RETURNING tells whether the row changed; the live event then carries the row as GET /api/devices shows it.
    private async Task<DeviceView?> ChangedAsync(DbConnection connection, DbTransaction transaction, DbCommand upsert, string deviceId, CancellationToken cancellationToken)
    {
        await using (var reader = await upsert.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }
        }

        return await FindAsync(connection, transaction, deviceId, cancellationToken);
    }

    /// <summary>
    /// Reads the current row of a device list by column name (<c>device_id</c>, <c>status</c>, <c>status_at</c>,
    /// <c>last_heartbeat_at</c>, <c>agent_version</c>, <c>execution_provider</c>, <c>last_health</c>, <c>first_seen_at</c>,
    /// <c>updated_at</c>, <c>version</c>, <c>applied_version</c>, <c>reported_status</c>, <c>reported_at</c>, <c>site</c>);
    /// other columns are ignored. This overload resolves the names for this row only: prefer the <see cref="NamedColumns"/> one.
    /// </summary>
    internal DeviceView ReadView(DbDataReader r) => ReadView(r.Columns(database.Dialect));

    /// <summary>Reads the current row of a device list by column name (see the other overload).</summary>
    internal static DeviceView ReadView(NamedColumns c)
    {
        var neverConnected = c.IsNull("status");
        return new(
            DeviceId: c.String("device_id"),
            Status: neverConnected ? DeviceState.Offline : WireNames.ToDeviceState(c.String("status")),
            StatusAt: c.TimeOrNull("status_at"),
            LastHeartbeatAt: c.TimeOrNull("last_heartbeat_at"),
            AgentVersion: c.StringOrNull("agent_version"),
            ExecutionProvider: c.StringOrNull("execution_provider"),
            LastHealth: c.IsNull("last_health") ? null : JsonSerializer.Deserialize(c.String("last_health"), ContractsJsonContext.Default.HealthMessage),
            FirstSeenAt: neverConnected ? null : c.Time("first_seen_at"),
            UpdatedAt: neverConnected ? null : c.Time("updated_at"),
            Config: ReadConfig(c),
            Site: c.StringOrNull("site"),
            NeverConnected: neverConnected);
    }

    private static DeviceConfigSummary ReadConfig(NamedColumns c)
    {
        long? desired = c.IsNull("version") ? null : c.Int64("version");
        long? applied = c.IsNull("applied_version") ? null : c.Int64("applied_version");
        ConfigApplyStatus? status = c.IsNull("reported_status") ? null : c.String("reported_status") == "rejected" ? ConfigApplyStatus.Rejected : ConfigApplyStatus.Applied;
        var reportedAt = c.TimeOrNull("reported_at");
        return new(desired, applied, status, ConfigDrift.IsDrift(desired, applied, status, reported: status is not null), reportedAt, NotReported: status is null);
    }
}
