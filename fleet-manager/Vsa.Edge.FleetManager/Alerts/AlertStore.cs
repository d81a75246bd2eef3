using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Alerts;

/// <summary>
/// Alerts in SQLite: <c>alert_messages</c> keyed by message id (idempotency) and <c>alerts</c> keyed by alert id (latest
/// state, moved forward only by a higher sequence).
/// </summary>
public sealed class AlertStore(SqliteDatabase database)
{
    private const string Columns = """
        alert_id, device_id, camera_id, event_type, state, sequence, started_at, observed_at, ended_at, zone_id, confidence,
        measurement_name, measurement_value, measurement_unit, objects, model_id, model_version, received_at, updated_at
        """;

    /// <summary>Records one validated message and moves the alert forward if it is the newest of its alert.</summary>
    public async Task<AlertApplyResult> ApplyAsync(AlertMessage message, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);

        var existing = await ReadOwnerAsync(connection, transaction, message.AlertId, cancellationToken);
        if (existing is { } owner && !string.Equals(owner.DeviceId, message.DeviceId, StringComparison.Ordinal))
        {
            return new(AlertApplyOutcome.ForeignAlert, null);
        }

        await using (var insertMessage = connection.CreateCommand())
        {
            insertMessage.Transaction = transaction;
            insertMessage.CommandText = """
                INSERT INTO alert_messages (message_id, alert_id, device_id, sequence, state, received_at, payload)
                VALUES ($message_id, $alert_id, $device_id, $sequence, $state, $received_at, $payload)
                ON CONFLICT (message_id) DO NOTHING;
                """;
            insertMessage.Parameters.AddWithValue("$message_id", message.MessageId);
            insertMessage.Parameters.AddWithValue("$alert_id", message.AlertId);
            insertMessage.Parameters.AddWithValue("$device_id", message.DeviceId);
            insertMessage.Parameters.AddWithValue("$sequence", message.Sequence);
            insertMessage.Parameters.AddWithValue("$state", WireNames.Of(message.State));
            insertMessage.Parameters.AddWithValue("$received_at", DbTime.Write(receivedAt));
            insertMessage.Parameters.AddWithValue("$payload", JsonSerializer.Serialize(message, ContractsJsonContext.Default.AlertMessage));
            if (await insertMessage.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return new(AlertApplyOutcome.Duplicate, null);
            }
        }

        if (existing is { } current && current.Sequence >= message.Sequence)
        {
            await transaction.CommitAsync(cancellationToken);
            return new(AlertApplyOutcome.Stale, null);
        }

        await using (var upsert = connection.CreateCommand())
        {
            upsert.Transaction = transaction;
            upsert.CommandText = $"""
                INSERT INTO alerts ({Columns})
                VALUES ($alert_id, $device_id, $camera_id, $event_type, $state, $sequence, $started_at, $observed_at, $ended_at, $zone_id,
                        $confidence, $measurement_name, $measurement_value, $measurement_unit, $objects, $model_id, $model_version,
                        $now, $now)
                ON CONFLICT (alert_id) DO UPDATE SET
                    camera_id = excluded.camera_id, event_type = excluded.event_type, state = excluded.state,
                    sequence = excluded.sequence, started_at = excluded.started_at, observed_at = excluded.observed_at,
                    ended_at = excluded.ended_at, zone_id = excluded.zone_id, confidence = excluded.confidence,
                    measurement_name = excluded.measurement_name, measurement_value = excluded.measurement_value,
                    measurement_unit = excluded.measurement_unit, objects = excluded.objects, model_id = excluded.model_id,
                    model_version = excluded.model_version, updated_at = excluded.updated_at;
                """;
            var p = upsert.Parameters;
            p.AddWithValue("$alert_id", message.AlertId);
            p.AddWithValue("$device_id", message.DeviceId);
            p.AddWithValue("$camera_id", message.CameraId);
            p.AddWithValue("$event_type", WireNames.Of(message.EventType));
            p.AddWithValue("$state", WireNames.Of(message.State));
            p.AddWithValue("$sequence", message.Sequence);
            p.AddWithValue("$started_at", DbTime.Write(message.StartedAt));
            p.AddWithValue("$observed_at", DbTime.Write(message.ObservedAt));
            p.AddWithValue("$ended_at", DbTime.WriteOrNull(message.EndedAt));
            p.AddWithValue("$zone_id", (object?)message.ZoneId ?? DBNull.Value);
            p.AddWithValue("$confidence", message.Confidence);
            p.AddWithValue("$measurement_name", (object?)message.Measurement?.Name ?? DBNull.Value);
            p.AddWithValue("$measurement_value", (object?)message.Measurement?.Value ?? DBNull.Value);
            p.AddWithValue("$measurement_unit", (object?)message.Measurement?.Unit ?? DBNull.Value);
            p.AddWithValue("$objects", JsonSerializer.Serialize(message.Objects, FleetJsonContext.Default.IReadOnlyListAlertObject));
            p.AddWithValue("$model_id", message.Model.Id);
            p.AddWithValue("$model_version", message.Model.Version);
            p.AddWithValue("$now", DbTime.Write(receivedAt));
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        var view = await FindAsync(connection, transaction, message.AlertId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(AlertApplyOutcome.Applied, view);
    }

    /// <summary>Alerts matching <paramref name="query"/>, newest start first.</summary>
    public async Task<IReadOnlyList<AlertView>> QueryAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM alerts
            WHERE ($since IS NULL OR started_at >= $since)
              AND ($device_id IS NULL OR device_id = $device_id)
              AND ($camera_id IS NULL OR camera_id = $camera_id)
            ORDER BY started_at DESC, alert_id DESC
            LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$since", DbTime.WriteOrNull(query.Since));
        command.Parameters.AddWithValue("$device_id", (object?)query.DeviceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$camera_id", (object?)query.CameraId ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", query.Limit);

        var alerts = new List<AlertView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            alerts.Add(ReadView(reader));
        }

        return alerts;
    }

    /// <summary>One alert, or null.</summary>
    public async Task<AlertView?> FindAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, alertId, cancellationToken);
    }

    /// <summary>Number of distinct messages recorded for an alert (start, updates, end).</summary>
    public async Task<int> CountMessagesAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM alert_messages WHERE alert_id = $alert_id;";
        command.Parameters.AddWithValue("$alert_id", alertId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<AlertView?> FindAsync(SqliteConnection connection, SqliteTransaction? transaction, string alertId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {Columns} FROM alerts WHERE alert_id = $alert_id;";
        command.Parameters.AddWithValue("$alert_id", alertId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(reader) : null;
    }

    private static async Task<(string DeviceId, int Sequence)?> ReadOwnerAsync(
        SqliteConnection connection, SqliteTransaction transaction, string alertId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT device_id, sequence FROM alerts WHERE alert_id = $alert_id;";
        command.Parameters.AddWithValue("$alert_id", alertId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetInt32(1)) : null;
    }

    private static AlertView ReadView(SqliteDataReader r)
    {
        var measurement = r.IsDBNull(11) ? null : new Measurement(r.GetString(11), r.GetDouble(12), r.GetString(13));
        var objects = JsonSerializer.Deserialize(r.GetString(14), FleetJsonContext.Default.IReadOnlyListAlertObject) ?? [];
        return new AlertView(
            AlertId: r.GetString(0),
            DeviceId: r.GetString(1),
            CameraId: r.GetString(2),
            EventType: WireNames.ToEventType(r.GetString(3)),
            State: WireNames.ToAlertState(r.GetString(4)),
            Sequence: r.GetInt32(5),
            StartedAt: DbTime.Read(r.GetString(6)),
            ObservedAt: DbTime.Read(r.GetString(7)),
            EndedAt: r.IsDBNull(8) ? null : DbTime.Read(r.GetString(8)),
            ZoneId: r.IsDBNull(9) ? null : r.GetString(9),
            Confidence: r.GetDouble(10),
            Measurement: measurement,
            Objects: objects,
            Model: new ModelRef(r.GetString(15), r.GetString(16)),
            ReceivedAt: DbTime.Read(r.GetString(17)),
            UpdatedAt: DbTime.Read(r.GetString(18)));
    }
}
