using System.Data.Common;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The PostgreSQL statements of the bulk path: a whole batch in two statements of constant text, each column an array
/// parameter expanded by <c>unnest</c>. The earlier 256-row <c>VALUES</c> lists cost the fleet 366 ms of processor time per
/// 1,000 alerts even without tiered JIT (5,376 named parameters rewritten to positional ones by Npgsql on every execution,
/// and a new statement text, so a new plan, for every batch size); the text here never changes, so Npgsql's automatic
/// preparation (<c>Max Auto Prepare</c>, set by <see cref="FleetDatabase"/>) plans it once per connection.
/// </summary>
public sealed partial class AlertBatchStore
{
    /// <summary>
    /// The same conditions as the single path (<see cref="AlertStore"/>): forward only, only for its owner, only while the alert
    /// keeps its identity. Shared by both engines' statements.
    /// </summary>
    private const string MoveConflictSql = $"""

        ON CONFLICT (alert_id) DO UPDATE SET
            state = excluded.state, sequence = excluded.sequence, observed_at = excluded.observed_at,
            ended_at = excluded.ended_at, confidence = excluded.confidence,
            measurement_name = excluded.measurement_name, measurement_value = excluded.measurement_value,
            measurement_unit = excluded.measurement_unit, objects = excluded.objects, model_id = excluded.model_id,
            model_version = excluded.model_version, updated_at = excluded.updated_at, end_reason = excluded.end_reason
        WHERE alerts.device_id = excluded.device_id AND alerts.sequence < excluded.sequence
            AND alerts.camera_id = excluded.camera_id AND alerts.event_type = excluded.event_type
            AND alerts.started_at = excluded.started_at AND COALESCE(alerts.zone_id, '') = COALESCE(excluded.zone_id, '')
        RETURNING {MovedColumns};
        """;

    /// <summary>
    /// What a moved alert's row holds that its message does not say (<see cref="ViewOf"/>, which reads them in this order): its first receipt, the operator's
    /// decision, the zone as first stored. Returning the whole row cost the writer the reading of 25 columns per alert and the
    /// parsing back of the <c>objects</c> JSON it had just written.
    /// </summary>
    private const string MovedColumns = "alert_id, zone_id, received_at, decision, decision_reason, decision_comment, decided_by, decided_at";

    private const string LogPostgresSql = """
        INSERT INTO alert_messages (message_id, alert_id, device_id, sequence, state, received_at, payload)
        SELECT * FROM unnest(@id, @alert, @device, @seq, @state, @at, @payload)
        ON CONFLICT (message_id) DO NOTHING RETURNING message_id;
        """;

    private const string MovePostgresSql = """
        INSERT INTO alerts (alert_id, device_id, camera_id, event_type, state, sequence, started_at, observed_at, ended_at, zone_id,
                            confidence, measurement_name, measurement_value, measurement_unit, objects, model_id, model_version,
                            received_at, updated_at, end_reason)
        SELECT id, device, camera, type, state, seq, started, observed, ended, zone, conf, mname, mvalue, munit, objects, model,
               mversion, now, now, endr
        FROM unnest(@id, @device, @camera, @type, @state, @seq, @started, @observed, @ended, @zone, @conf, @mname, @mvalue, @munit,
                    @objects, @model, @mversion, @now, @endr)
             AS r (id, device, camera, type, state, seq, started, observed, ended, zone, conf, mname, mvalue, munit, objects, model,
                   mversion, now, endr)
        """ + MoveConflictSql;

    private static async Task<HashSet<string>> LogMessagesPostgresAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, CancellationToken cancellationToken)
    {
        var n = messages.Count;
        var (ids, alertIds, devices, sequences, states, times, payloads) =
            (new string[n], new string[n], new string[n], new int[n], new string[n], new DateTimeOffset[n], new string[n]);
        for (var i = 0; i < n; i++)
        {
            var (message, receivedAt) = messages[i];
            (ids[i], alertIds[i], devices[i], sequences[i], states[i]) = (message.MessageId, message.AlertId, message.DeviceId, message.Sequence, WireNames.Of(message.State));
            times[i] = SqlDialect.Normalise(receivedAt);
            payloads[i] = JsonSerializer.Serialize(message, ContractsJsonContext.Default.AlertMessage);
        }

        await using var command = connection.Sql(transaction, LogPostgresSql);
        command.Parameters.Add(Array("id", NpgsqlDbType.Text, ids));
        command.Parameters.Add(Array("alert", NpgsqlDbType.Text, alertIds));
        command.Parameters.Add(Array("device", NpgsqlDbType.Text, devices));
        command.Parameters.Add(Array("seq", NpgsqlDbType.Integer, sequences));
        command.Parameters.Add(Array("state", NpgsqlDbType.Text, states));
        command.Parameters.Add(Array("at", NpgsqlDbType.TimestampTz, times));
        command.Parameters.Add(Array("payload", NpgsqlDbType.Text, payloads));

        var logged = new HashSet<string>(n, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            logged.Add(reader.GetString(0));
        }

        return logged;
    }

    private async Task<Dictionary<string, AlertView>> MoveAlertsPostgresAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, HashSet<string> logged, CancellationToken cancellationToken)
    {
        var rows = messages.Where(m => logged.Contains(m.Message.MessageId)).ToList();
        var n = rows.Count;
        var (ids, devices, cameras, types, states, sequences) = (new string[n], new string[n], new string[n], new string[n], new string[n], new int[n]);
        var (started, observed, ended, now) = (new DateTimeOffset[n], new DateTimeOffset[n], new DateTimeOffset?[n], new DateTimeOffset[n]);
        var (zones, confidences, names, values, units) = (new string?[n], new double[n], new string?[n], new double?[n], new string?[n]);
        var (objects, models, versions, ends) = (new string[n], new string[n], new string[n], new string?[n]);
        for (var i = 0; i < n; i++)
        {
            var (m, receivedAt) = rows[i];
            (ids[i], devices[i], cameras[i], types[i], states[i], sequences[i]) = (m.AlertId, m.DeviceId, m.CameraId, WireNames.Of(m.EventType), WireNames.Of(m.State), m.Sequence);
            (started[i], observed[i], now[i]) = (SqlDialect.Normalise(m.StartedAt), SqlDialect.Normalise(m.ObservedAt), SqlDialect.Normalise(receivedAt));
            ended[i] = m.EndedAt is { } end ? SqlDialect.Normalise(end) : null;
            (zones[i], confidences[i], names[i], values[i], units[i]) = (m.ZoneId, m.Confidence, m.Measurement?.Name, m.Measurement?.Value, m.Measurement?.Unit);
            objects[i] = JsonSerializer.Serialize(m.Objects, FleetJsonContext.Default.IReadOnlyListAlertObject);
            (models[i], versions[i]) = (m.Model.Id, m.Model.Version);
            ends[i] = m.State == AlertState.End ? WireNames.Of(m.EndReason ?? AlertEndReason.Cleared) : null;
        }

        await using var command = connection.Sql(transaction, MovePostgresSql);
        command.Parameters.Add(Array("id", NpgsqlDbType.Text, ids));
        command.Parameters.Add(Array("device", NpgsqlDbType.Text, devices));
        command.Parameters.Add(Array("camera", NpgsqlDbType.Text, cameras));
        command.Parameters.Add(Array("type", NpgsqlDbType.Text, types));
        command.Parameters.Add(Array("state", NpgsqlDbType.Text, states));
        command.Parameters.Add(Array("seq", NpgsqlDbType.Integer, sequences));
        command.Parameters.Add(Array("started", NpgsqlDbType.TimestampTz, started));
        command.Parameters.Add(Array("observed", NpgsqlDbType.TimestampTz, observed));
        command.Parameters.Add(Array("ended", NpgsqlDbType.TimestampTz, ended));
        command.Parameters.Add(Array("zone", NpgsqlDbType.Text, zones));
        command.Parameters.Add(Array("conf", NpgsqlDbType.Double, confidences));
        command.Parameters.Add(Array("mname", NpgsqlDbType.Text, names));
        command.Parameters.Add(Array("mvalue", NpgsqlDbType.Double, values));
        command.Parameters.Add(Array("munit", NpgsqlDbType.Text, units));
        command.Parameters.Add(Array("objects", NpgsqlDbType.Text, objects));
        command.Parameters.Add(Array("model", NpgsqlDbType.Text, models));
        command.Parameters.Add(Array("mversion", NpgsqlDbType.Text, versions));
        command.Parameters.Add(Array("now", NpgsqlDbType.TimestampTz, now));
        command.Parameters.Add(Array("endr", NpgsqlDbType.Text, ends));
        return await ReadMovedAsync(command, rows, cancellationToken);
    }

    private static NpgsqlParameter Array(string name, NpgsqlDbType element, object values) =>
        new(name, NpgsqlDbType.Array | element) { Value = values };
}
