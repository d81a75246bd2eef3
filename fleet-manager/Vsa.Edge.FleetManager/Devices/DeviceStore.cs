using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// The device registry in SQLite. Status messages are ordered by their own timestamp (<c>at</c>); heartbeats by their send
/// time. A heartbeat newer than the last status means the device is up, whatever that status said.
/// </summary>
public sealed class DeviceStore(SqliteDatabase database)
{
    private const string Columns = "device_id, status, status_at, last_heartbeat_at, agent_version, execution_provider, last_health, first_seen_at, updated_at";

    /// <summary>Records a heartbeat; returns the device row if it changed, null if the heartbeat was older than the one held.</summary>
    public async Task<DeviceView?> ApplyHeartbeatAsync(HealthMessage health, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = $"""
                INSERT INTO devices ({Columns})
                VALUES ($device_id, 'online', NULL, $sent_at, $agent_version, $execution_provider, $health, $now, $now)
                ON CONFLICT (device_id) DO UPDATE SET
                    last_heartbeat_at = excluded.last_heartbeat_at,
                    agent_version = excluded.agent_version,
                    execution_provider = excluded.execution_provider,
                    last_health = excluded.last_health,
                    status = CASE WHEN devices.status_at IS NULL OR excluded.last_heartbeat_at > devices.status_at
                                  THEN 'online' ELSE devices.status END,
                    updated_at = excluded.updated_at
                WHERE devices.last_heartbeat_at IS NULL OR excluded.last_heartbeat_at >= devices.last_heartbeat_at;
                """;
            command.Parameters.AddWithValue("$device_id", health.DeviceId);
            command.Parameters.AddWithValue("$sent_at", DbTime.Write(health.SentAt));
            command.Parameters.AddWithValue("$agent_version", health.AgentVersion);
            command.Parameters.AddWithValue("$execution_provider", health.ExecutionProvider);
            command.Parameters.AddWithValue("$health", JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage));
            command.Parameters.AddWithValue("$now", DbTime.Write(receivedAt));
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }

        var view = await FindAsync(connection, transaction, health.DeviceId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return view;
    }

    /// <summary>Records a status; returns the device row if it changed, null if the status was older than the one held.</summary>
    public async Task<DeviceView?> ApplyStatusAsync(StatusMessage status, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;

            // ">=": an agent's last will carries the time it connected, the same as its "online" status, and must win.
            command.CommandText = $"""
                INSERT INTO devices ({Columns})
                VALUES ($device_id, $status, $at, NULL, NULL, NULL, NULL, $now, $now)
                ON CONFLICT (device_id) DO UPDATE SET
                    status = excluded.status,
                    status_at = excluded.status_at,
                    updated_at = excluded.updated_at
                WHERE devices.status_at IS NULL OR excluded.status_at >= devices.status_at;
                """;
            command.Parameters.AddWithValue("$device_id", status.DeviceId);
            command.Parameters.AddWithValue("$status", WireNames.Of(status.State));
            command.Parameters.AddWithValue("$at", DbTime.Write(status.At));
            command.Parameters.AddWithValue("$now", DbTime.Write(receivedAt));
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }

        var view = await FindAsync(connection, transaction, status.DeviceId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return view;
    }

    /// <summary>All devices, by id.</summary>
    public async Task<IReadOnlyList<DeviceView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM devices ORDER BY device_id;";
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

    private static async Task<DeviceView?> FindAsync(SqliteConnection connection, SqliteTransaction? transaction, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM devices WHERE device_id = $device_id;";
        command.Parameters.AddWithValue("$device_id", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(reader) : null;
    }

    private static DeviceView ReadView(SqliteDataReader r) => new(
        DeviceId: r.GetString(0),
        Status: WireNames.ToDeviceState(r.GetString(1)),
        StatusAt: r.IsDBNull(2) ? null : DbTime.Read(r.GetString(2)),
        LastHeartbeatAt: r.IsDBNull(3) ? null : DbTime.Read(r.GetString(3)),
        AgentVersion: r.IsDBNull(4) ? null : r.GetString(4),
        ExecutionProvider: r.IsDBNull(5) ? null : r.GetString(5),
        LastHealth: r.IsDBNull(6) ? null : JsonSerializer.Deserialize(r.GetString(6), ContractsJsonContext.Default.HealthMessage),
        FirstSeenAt: DbTime.Read(r.GetString(7)),
        UpdatedAt: DbTime.Read(r.GetString(8)));
}
