using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Alerts;

/// <summary>
/// Alerts in the fleet database: <c>alert_messages</c> keyed by message id (idempotency) and <c>alerts</c> keyed by alert id
/// (latest state, moved forward only by a higher sequence, plus the operator's decision).
/// </summary>
public sealed class AlertStore(FleetDatabase database, IAuditLog audit)
{
    /// <summary>The columns <see cref="ReadView"/> reads, by name.</summary>
    internal const string Columns = """
        alert_id, device_id, camera_id, event_type, state, sequence, started_at, observed_at, ended_at, zone_id, confidence,
        measurement_name, measurement_value, measurement_unit, objects, model_id, model_version, received_at, updated_at,
        decision, decision_reason, decision_comment, decided_by, decided_at, end_reason
        """;

    /// <summary>Records one validated message in its own transaction (see the overload for batches).</summary>
    public Task<AlertApplyResult> ApplyAsync(AlertMessage message, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        database.InTransactionAsync((c, t) => ApplyAsync(c, t, message, receivedAt, cancellationToken), cancellationToken);

    /// <summary>
    /// Records one validated message in the caller's transaction and moves the alert forward if it is the newest of its alert.
    /// Two statements in the usual case (log the message, move the alert with <c>RETURNING</c>), since a burst runs this
    /// thousands of times per batch; the owner is read only when the alert did not move.
    /// </summary>
    public async Task<AlertApplyResult> ApplyAsync(DbConnection connection, DbTransaction transaction, AlertMessage message, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        await using (var insertMessage = connection.Sql(transaction, """
            INSERT INTO alert_messages (message_id, alert_id, device_id, sequence, state, received_at, payload)
            VALUES (@message_id, @alert_id, @device_id, @sequence, @state, @received_at, @payload)
            ON CONFLICT (message_id) DO NOTHING;
            """))
        {
            insertMessage.With("@message_id", message.MessageId).With("@alert_id", message.AlertId).With("@device_id", message.DeviceId)
                .With("@sequence", message.Sequence).With("@state", WireNames.Of(message.State));
            dialect.AddTime(insertMessage, "@received_at", receivedAt);
            insertMessage.With("@payload", JsonSerializer.Serialize(message, ContractsJsonContext.Default.AlertMessage));
            if (await insertMessage.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return new(AlertApplyOutcome.Duplicate, null);
            }
        }

        // Moves only forward, only for its owner and only while the alert keeps its identity. The decision columns are not in
        // the update list (a late message never erases what an operator decided), nor are the identity columns (event type,
        // camera, zone, start): what an operator confirmed stays what was confirmed.
        await using (var upsert = connection.Sql(transaction, $"""
            INSERT INTO alerts (alert_id, device_id, camera_id, event_type, state, sequence, started_at, observed_at, ended_at, zone_id,
                                confidence, measurement_name, measurement_value, measurement_unit, objects, model_id, model_version,
                                received_at, updated_at, end_reason)
            VALUES (@alert_id, @device_id, @camera_id, @event_type, @state, @sequence, @started_at, @observed_at, @ended_at, @zone_id,
                    @confidence, @measurement_name, @measurement_value, @measurement_unit, @objects, @model_id, @model_version,
                    @now, @now, @end_reason)
            ON CONFLICT (alert_id) DO UPDATE SET
                state = excluded.state, sequence = excluded.sequence, observed_at = excluded.observed_at,
                ended_at = excluded.ended_at, confidence = excluded.confidence,
                measurement_name = excluded.measurement_name, measurement_value = excluded.measurement_value,
                measurement_unit = excluded.measurement_unit, objects = excluded.objects, model_id = excluded.model_id,
                model_version = excluded.model_version, updated_at = excluded.updated_at, end_reason = excluded.end_reason
            WHERE alerts.device_id = excluded.device_id AND alerts.sequence < excluded.sequence
                AND alerts.camera_id = excluded.camera_id AND alerts.event_type = excluded.event_type
                AND alerts.started_at = excluded.started_at AND COALESCE(alerts.zone_id, '') = COALESCE(excluded.zone_id, '')
            RETURNING {Columns};
            """))
        {
            upsert.With("@alert_id", message.AlertId).With("@device_id", message.DeviceId).With("@camera_id", message.CameraId)
                .With("@event_type", WireNames.Of(message.EventType)).With("@state", WireNames.Of(message.State)).With("@sequence", message.Sequence)
                .With("@zone_id", message.ZoneId).With("@confidence", message.Confidence)
                .With("@measurement_name", message.Measurement?.Name).With("@measurement_value", message.Measurement?.Value)
                .With("@measurement_unit", message.Measurement?.Unit).With("@model_id", message.Model.Id).With("@model_version", message.Model.Version)
                .With("@end_reason", message.State == AlertState.End ? WireNames.Of(message.EndReason ?? AlertEndReason.Cleared) : null);
            dialect.AddTime(upsert, "@started_at", message.StartedAt);
            dialect.AddTime(upsert, "@observed_at", message.ObservedAt);
            dialect.AddTime(upsert, "@ended_at", message.EndedAt);
            dialect.AddTime(upsert, "@now", receivedAt);
            upsert.With("@objects", JsonSerializer.Serialize(message.Objects, FleetJsonContext.Default.IReadOnlyListAlertObject));
            await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return new(AlertApplyOutcome.Applied, ReadView(ViewColumns(reader)));
            }
        }

        return await ResolveNotAppliedAsync(connection, transaction, message, cancellationToken);
    }

    /// <summary>
    /// A message that was logged in <c>alert_messages</c> but did not move its alert: tells a foreign alert (whose message is
    /// then forgotten) from a stale one or one whose identity changed. Also used by the ingestion's batch path.
    /// </summary>
    internal async Task<AlertApplyResult> ResolveNotAppliedAsync(DbConnection connection, DbTransaction transaction, AlertMessage message, CancellationToken cancellationToken)
    {
        var owner = await ReadOwnerAsync(connection, transaction, message, cancellationToken);
        if (owner is { } held && !string.Equals(held.DeviceId, message.DeviceId, StringComparison.Ordinal))
        {
            // A device may only speak for itself: its message is not kept either.
            await using var forget = connection.Sql(transaction, "DELETE FROM alert_messages WHERE message_id = @message_id;").With("@message_id", message.MessageId);
            await forget.ExecuteNonQueryAsync(cancellationToken);
            return new(AlertApplyOutcome.ForeignAlert, null);
        }

        // Kept in alert_messages (the device did say it), but the alert is not moved.
        return new(owner is { SameIdentity: false } ? AlertApplyOutcome.IdentityChanged : AlertApplyOutcome.Stale, null);
    }

    /// <summary>
    /// Records an operator's decision on the alert row and in the audit log, in one transaction: either both are stored or
    /// neither is.
    /// </summary>
    public Task<(DecideOutcome Outcome, AlertView? Alert)> DecideAsync(string alertId, AlertDecisionKind decision, string? reason, string? comment, string operatorName, DateTimeOffset at, CancellationToken cancellationToken) =>
        database.InTransactionAsync((connection, transaction) => DecideAsync(connection, transaction, alertId, decision, reason, comment, operatorName, at, null, cancellationToken), cancellationToken);

    /// <summary>
    /// Records a decision and its audit entry inside the caller's transaction; <paramref name="incidentId"/>, when given,
    /// goes into the audit entry's details (a decision taken for a whole incident is still one decision per alert).
    /// </summary>
    public async Task<(DecideOutcome Outcome, AlertView? Alert)> DecideAsync(
        DbConnection connection, DbTransaction transaction, string alertId, AlertDecisionKind decision, string? reason, string? comment, string operatorName, DateTimeOffset at, string? incidentId, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        await using (var update = connection.Sql(transaction, """
            UPDATE alerts SET decision = @decision, decision_reason = @reason, decision_comment = @comment, decided_by = @by, decided_at = @at
            WHERE alert_id = @alert_id AND decision IS NULL;
            """))
        {
            update.With("@decision", Name(decision)).With("@reason", reason).With("@comment", comment).With("@by", operatorName).With("@alert_id", alertId);
            dialect.AddTime(update, "@at", at);
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                var held = await FindAsync(connection, transaction, alertId, cancellationToken);
                return (held is null ? DecideOutcome.NotFound : DecideOutcome.AlreadyDecided, held);
            }
        }

        var view = await FindAsync(connection, transaction, alertId, cancellationToken);
        var details = new JsonObject
        {
            ["decision"] = Name(decision),
            ["reason"] = reason,
            ["comment"] = comment,
            ["deviceId"] = view!.DeviceId,
            ["cameraId"] = view.CameraId,
            ["eventType"] = WireNames.Of(view.EventType),
        };
        if (incidentId is not null)
        {
            details["incident"] = incidentId;
        }

        await audit.AppendAsync(connection, transaction, new AuditEvent(operatorName, AuditActions.AlertDecision, $"alert:{alertId}", details), cancellationToken);
        return (DecideOutcome.Recorded, view);
    }

    /// <summary>Alerts matching <paramref name="query"/>, in its order.</summary>
    public async Task<IReadOnlyList<AlertView>> QueryAsync(AlertQuery query, CancellationToken cancellationToken) =>
        (await QueryPageAsync(query, cancellationToken)).Alerts;

    /// <summary>Alerts matching <paramref name="query"/>, in its order, and whether more match than the page holds.</summary>
    public async Task<AlertPage> QueryPageAsync(AlertQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var decision = query.Decision switch
        {
            // Alerts that arrived during a global suspension still in force are withheld from the queue (kill switch);
            // once it is resumed they are pending like any other, for a human to review.
            AlertDecisionFilter.Pending => """
                AND decision IS NULL
                AND (arrived_during_suspension IS NULL
                     OR arrived_during_suspension NOT IN (SELECT suspension_id FROM suspensions WHERE resumed_at IS NULL))
                """,
            AlertDecisionFilter.Decided => "AND decision IS NOT NULL",
            _ => string.Empty,
        };
        var order = query.Order == AlertOrder.OldestFirst ? "started_at ASC, alert_id ASC" : "started_at DESC, alert_id DESC";
        await using var connection = await database.OpenAsync(cancellationToken);

        // One row more than asked tells whether the page is complete, without counting the whole table.
        await using var command = connection.Sql(null, $"""
            SELECT {Columns} FROM alerts
            WHERE (@since IS NULL OR started_at >= @since)
              AND (@device_id IS NULL OR device_id = @device_id)
              AND (@camera_id IS NULL OR camera_id = @camera_id)
              {decision}
            ORDER BY {order}
            LIMIT @limit;
            """);
        database.Dialect.AddTime(command, "@since", query.Since);
        command.With("@device_id", query.DeviceId).With("@camera_id", query.CameraId).With("@limit", query.Limit + 1);

        var alerts = new List<AlertView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = ViewColumns(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            alerts.Add(ReadView(columns));
        }

        var truncated = alerts.Count > query.Limit;
        if (truncated)
        {
            alerts.RemoveAt(alerts.Count - 1);
        }

        return new AlertPage(alerts, truncated);
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
        await using var command = connection.Sql(null, "SELECT COUNT(*) FROM alert_messages WHERE alert_id = @alert_id;").With("@alert_id", alertId);
        return (int)await command.ScalarInt64Async(cancellationToken);
    }

    private static string Name(AlertDecisionKind decision) => decision == AlertDecisionKind.Confirmed ? "confirmed" : "dismissed";

    private async Task<AlertView?> FindAsync(DbConnection connection, DbTransaction? transaction, string alertId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM alerts WHERE alert_id = @alert_id;").With("@alert_id", alertId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadView(ViewColumns(reader)) : null;
    }

    private async Task<(string DeviceId, int Sequence, bool SameIdentity)?> ReadOwnerAsync(DbConnection connection, DbTransaction transaction, AlertMessage message, CancellationToken cancellationToken)
    {
        // Zone ids are never empty on the wire, so '' stands for "no zone" on both sides.
        await using var command = connection.Sql(transaction, """
            SELECT device_id, sequence,
                   CASE WHEN camera_id = @camera_id AND event_type = @event_type AND started_at = @started_at
                             AND COALESCE(zone_id, '') = @zone_id THEN 1 ELSE 0 END AS same_identity
            FROM alerts WHERE alert_id = @alert_id;
            """).With("@alert_id", message.AlertId).With("@camera_id", message.CameraId).With("@event_type", WireNames.Of(message.EventType))
            .With("@zone_id", message.ZoneId ?? string.Empty);
        database.Dialect.AddTime(command, "@started_at", message.StartedAt);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns();
        return await reader.ReadAsync(cancellationToken)
            ? (c.String("device_id"), c.Int32("sequence"), Convert.ToInt64(c.Value("same_identity"), System.Globalization.CultureInfo.InvariantCulture) == 1)
            : null;
    }

    /// <summary>
    /// Ends, as <c>interrupted</c>, every alert still open (start or update) whose device has been silent since
    /// <paramref name="cutoff"/> (fleet clock: no status or heartbeat received since) and says it is gone: its last status
    /// is offline (its own or its last will), or it sends heartbeats and they stopped. The alert keeps its sequence, so any
    /// later message of the agent (its own interrupted end after a restart, or an update if it was only cut off) still
    /// applies. One audit entry per device, in the same transaction; returns the alerts ended.
    /// </summary>
    public Task<IReadOnlyList<AlertView>> InterruptSilentDevicesAsync(DateTimeOffset cutoff, DateTimeOffset now, string actor, CancellationToken cancellationToken) =>
        database.InTransactionAsync<IReadOnlyList<AlertView>>(async (connection, transaction) =>
        {
            var ended = new List<AlertView>();
            await using (var update = connection.Sql(transaction, $"""
                UPDATE alerts SET state = 'end', end_reason = 'interrupted', ended_at = observed_at, updated_at = @now
                WHERE state <> 'end' AND updated_at < @cutoff AND device_id IN (
                    SELECT device_id FROM devices
                    WHERE updated_at < @cutoff AND (status = 'offline' OR last_heartbeat_at IS NOT NULL))
                RETURNING {Columns};
                """))
            {
                database.Dialect.AddTime(update, "@cutoff", cutoff);
                database.Dialect.AddTime(update, "@now", now);
                await using var reader = await update.ExecuteReaderAsync(cancellationToken);
                var columns = ViewColumns(reader);
                while (await reader.ReadAsync(cancellationToken))
                {
                    ended.Add(ReadView(columns));
                }
            }

            foreach (var device in ended.GroupBy(a => a.DeviceId, StringComparer.Ordinal))
            {
                await audit.AppendAsync(connection, transaction, new AuditEvent(actor, AuditActions.AlertsInterrupted, device.Key, new JsonObject
                {
                    ["alerts"] = new JsonArray([.. device.Select(a => JsonValue.Create(a.AlertId))]),
                    ["silentSince"] = cutoff.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                }), cancellationToken);
            }

            return ended;
        }, cancellationToken);

    /// <summary>The columns of a reader over <see cref="Columns"/>, resolved once for all its rows.</summary>
    internal NamedColumns ViewColumns(DbDataReader reader) => reader.Columns(database.Dialect);

    /// <summary>Reads the current row of a reader selected (or returned) with <see cref="Columns"/>.</summary>
    internal static AlertView ReadView(NamedColumns r)
    {
        var measurement = r.IsNull("measurement_name") ? null : new Measurement(r.String("measurement_name"), r.Double("measurement_value"), r.String("measurement_unit"));
        var objects = JsonSerializer.Deserialize(r.String("objects"), FleetJsonContext.Default.IReadOnlyListAlertObject) ?? [];
        var decision = r.IsNull("decision") ? null : new AlertDecisionView(
            string.Equals(r.String("decision"), "confirmed", StringComparison.Ordinal) ? AlertDecisionKind.Confirmed : AlertDecisionKind.Dismissed,
            r.StringOrNull("decision_reason"), r.StringOrNull("decision_comment"), r.String("decided_by"), r.Time("decided_at"));
        return new AlertView(
            AlertId: r.String("alert_id"),
            DeviceId: r.String("device_id"),
            CameraId: r.String("camera_id"),
            EventType: WireNames.ToEventType(r.String("event_type")),
            State: WireNames.ToAlertState(r.String("state")),
            Sequence: r.Int32("sequence"),
            StartedAt: r.Time("started_at"),
            ObservedAt: r.Time("observed_at"),
            EndedAt: r.TimeOrNull("ended_at"),
            ZoneId: r.StringOrNull("zone_id"),
            Confidence: r.Double("confidence"),
            Measurement: measurement,
            Objects: objects,
            Model: new ModelRef(r.String("model_id"), r.String("model_version")),
            ReceivedAt: r.Time("received_at"),
            UpdatedAt: r.Time("updated_at"),
            Decision: decision,
            EndReason: r.IsNull("end_reason") ? null : WireNames.ToEndReason(r.String("end_reason")));
    }
}
