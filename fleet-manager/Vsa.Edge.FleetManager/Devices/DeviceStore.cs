using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// The device registry in the fleet database. Status messages are ordered by their own timestamp (<c>at</c>); heartbeats by
/// their send time. A heartbeat newer than the last status means the device is up, whatever that status said. Every heartbeat
/// is also kept in <c>device_health</c> (per-camera figures over time) until the retention job removes it.
/// </summary>
public sealed class DeviceStore(FleetDatabase database)
{
    private const string Columns = "device_id, status, status_at, last_heartbeat_at, agent_version, execution_provider, last_health, first_seen_at, updated_at";

    /// <summary>Records a heartbeat in its own transaction.</summary>
    public Task<DeviceView?> ApplyHeartbeatAsync(HealthMessage health, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        database.InTransactionAsync((c, t) => ApplyHeartbeatAsync(c, t, health, receivedAt, cancellationToken), cancellationToken);

    /// <summary>Records a heartbeat; returns the device row if it changed, null if the heartbeat was not newer than the one held.</summary>
    public async Task<DeviceView?> ApplyHeartbeatAsync(DbConnection connection, DbTransaction transaction, HealthMessage health, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        var json = JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage);
        await using (var history = connection.Sql(transaction, """
            INSERT INTO device_health (device_id, sent_at, received_at, payload) VALUES (@device_id, @sent_at, @now, @health)
            ON CONFLICT (device_id, sent_at) DO NOTHING;
            """))
        {
            history.With("@device_id", health.DeviceId);
            dialect.AddTime(history, "@sent_at", health.SentAt);
            dialect.AddTime(history, "@now", receivedAt);
            dialect.AddJson(history, "@health", json);
            await history.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = connection.Sql(transaction, $"""
            INSERT INTO devices ({Columns})
            VALUES (@device_id, 'online', NULL, @sent_at, @agent_version, @execution_provider, @health, @now, @now)
            ON CONFLICT (device_id) DO UPDATE SET
                last_heartbeat_at = excluded.last_heartbeat_at,
                agent_version = excluded.agent_version,
                execution_provider = excluded.execution_provider,
                last_health = excluded.last_health,
                status = CASE WHEN devices.status_at IS NULL OR excluded.last_heartbeat_at > devices.status_at
                              THEN 'online' ELSE devices.status END,
                updated_at = excluded.updated_at
            WHERE devices.last_heartbeat_at IS NULL OR excluded.last_heartbeat_at >= devices.last_heartbeat_at
            RETURNING {Columns};
            """);
        command.With("@device_id", health.DeviceId).With("@agent_version", health.AgentVersion).With("@execution_provider", health.ExecutionProvider);
        dialect.AddTime(command, "@sent_at", health.SentAt);
        dialect.AddTime(command, "@now", receivedAt);
        dialect.AddJson(command, "@health", json);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(reader) : null;
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
                status = excluded.status,
                status_at = excluded.status_at,
                updated_at = excluded.updated_at
            WHERE devices.status_at IS NULL OR excluded.status_at >= devices.status_at
            RETURNING {Columns};
            """);
        command.With("@device_id", status.DeviceId).With("@status", WireNames.Of(status.State));
        dialect.AddTime(command, "@at", status.At);
        dialect.AddTime(command, "@now", receivedAt);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(reader) : null;
    }

    /// <summary>All devices, by id.</summary>
    public async Task<IReadOnlyList<DeviceView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM devices ORDER BY device_id;");
        var devices = new List<DeviceView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            devices.Add(ReadView(reader));
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

    private async Task<DeviceView?> FindAsync(DbConnection connection, DbTransaction? transaction, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM devices WHERE device_id = @device_id;").With("@device_id", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(reader) : null;
    }

    private DeviceView ReadView(DbDataReader r)
    {
        var dialect = database.Dialect;
        return new(
            DeviceId: r.GetString(0),
            Status: WireNames.ToDeviceState(r.GetString(1)),
            StatusAt: r.IsDBNull(2) ? null : dialect.ReadTime(r, 2),
            LastHeartbeatAt: r.IsDBNull(3) ? null : dialect.ReadTime(r, 3),
            AgentVersion: r.GetStringOrNull(4),
            ExecutionProvider: r.GetStringOrNull(5),
            LastHealth: r.IsDBNull(6) ? null : JsonSerializer.Deserialize(r.GetString(6), ContractsJsonContext.Default.HealthMessage),
            FirstSeenAt: dialect.ReadTime(r, 7),
            UpdatedAt: dialect.ReadTime(r, 8));
    }
}
