using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The bulk path of <see cref="AlertStore.ApplyAsync(DbConnection, DbTransaction, AlertMessage, DateTimeOffset, CancellationToken)"/>:
/// the alerts of one batch, each of a different alert and with a different message id, recorded with two multi-row statements
/// (log the messages, move the alerts with <c>RETURNING</c>) instead of two statements per alert. The profile of a burst showed
/// the writer spending its time in per-message round trips and statement preparation, one alert after the other; this takes
/// them batch by batch (SQLite: <see cref="SqliteRowsPerStatement"/> row per statement prepared once per batch; PostgreSQL: the
/// whole batch in two statements over arrays). Same rules as the single path (same SQL conditions); a message that was logged but did not move its alert is resolved one by one (<see cref="AlertStore.ResolveNotAppliedAsync"/>), a rare case.
/// </summary>
public sealed partial class AlertBatchStore(FleetDatabase database, AlertStore alerts)
{
    /// <summary>
    /// Rows per statement on SQLite: one. In process, with no round trip, the second profile showed a many-row statement costing
    /// more than it saves (its parsing, and Microsoft.Data.Sqlite binding each parameter by a name lookup that scans them all):
    /// one row per statement, prepared once per batch and run again with each alert's values. PostgreSQL takes the whole batch
    /// in two statements of constant text over array parameters (<c>unnest</c>, AlertBatchStore.Postgres.cs).
    /// </summary>
    public const int SqliteRowsPerStatement = 1;

    /// <summary>
    /// Records <paramref name="messages"/> (distinct alert ids and message ids, checked by the caller) in the caller's
    /// transaction; returns one result per message, in order.
    /// </summary>
    public async Task<AlertApplyResult[]> ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var results = new AlertApplyResult[messages.Count];
        var rowsPerStatement = database.Dialect is SqliteDialect ? SqliteRowsPerStatement : messages.Count;
        var commands = new PreparedCommands();
        try
        {
            for (var start = 0; start < messages.Count; start += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, messages.Count - start);
                await ApplyChunkAsync(connection, transaction, messages, start, count, results, commands, cancellationToken);
            }
        }
        finally
        {
            await commands.DisposeAsync();
        }

        return results;
    }

    private async Task ApplyChunkAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, int start, int count, AlertApplyResult[] results, PreparedCommands commands, CancellationToken cancellationToken)
    {
        var postgres = database.Dialect is PostgresDialect;
        var logged = postgres
            ? await LogMessagesPostgresAsync(connection, transaction, messages, start, count, commands, cancellationToken)
            : await LogMessagesAsync(connection, transaction, messages, start, count, commands, cancellationToken);
        var moved = logged.Count == 0 ? []
            : postgres ? await MoveAlertsPostgresAsync(connection, transaction, messages, start, count, logged, commands, cancellationToken)
            : await MoveAlertsAsync(connection, transaction, messages, start, count, logged, commands, cancellationToken);
        for (var i = start; i < start + count; i++)
        {
            var message = messages[i].Message;
            results[i] = !logged.Contains(message.MessageId) ? new(AlertApplyOutcome.Duplicate, null)
                : moved.TryGetValue(message.AlertId, out var view) ? new(AlertApplyOutcome.Applied, view)
                : await alerts.ResolveNotAppliedAsync(connection, transaction, message, cancellationToken);
        }
    }

    private async Task<HashSet<string>> LogMessagesAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, int start, int count, PreparedCommands commands, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        var sql = new StringBuilder("INSERT INTO alert_messages (message_id, alert_id, device_id, sequence, state, received_at, payload) VALUES ");
        var command = commands.Log ??= connection.Sql(transaction, string.Empty);
        command.Parameters.Clear();
        for (var i = 0; i < count; i++)
        {
            var (message, receivedAt) = messages[start + i];
            var p = string.Create(CultureInfo.InvariantCulture, $"@m{i}_");
            sql.Append(i == 0 ? "(" : ", (").Append(CultureInfo.InvariantCulture, $"{p}id, {p}alert, {p}device, {p}seq, {p}state, {p}at, {p}payload)");
            command.With(p + "id", message.MessageId).With(p + "alert", message.AlertId).With(p + "device", message.DeviceId)
                .With(p + "seq", message.Sequence).With(p + "state", WireNames.Of(message.State));
            dialect.AddTime(command, p + "at", receivedAt);
            dialect.AddJson(command, p + "payload", JsonSerializer.Serialize(message, ContractsJsonContext.Default.AlertMessage));
        }

        // The same text again keeps the statement prepared (SQLite) or auto-prepared (PostgreSQL).
        var text = sql.Append(" ON CONFLICT (message_id) DO NOTHING RETURNING message_id;").ToString();
        if (!string.Equals(command.CommandText, text, StringComparison.Ordinal))
        {
            command.CommandText = text;
        }

        var logged = new HashSet<string>(count, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            logged.Add(reader.GetString(0));
        }

        return logged;
    }

    private async Task<Dictionary<string, AlertView>> MoveAlertsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, int start, int count, HashSet<string> logged, PreparedCommands commands, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        var sql = new StringBuilder("""
            INSERT INTO alerts (alert_id, device_id, camera_id, event_type, state, sequence, started_at, observed_at, ended_at, zone_id,
                                confidence, measurement_name, measurement_value, measurement_unit, objects, model_id, model_version,
                                received_at, updated_at, end_reason)
            VALUES
            """);
        var command = commands.Move ??= connection.Sql(transaction, string.Empty);
        command.Parameters.Clear();
        var rows = new List<(AlertMessage Message, DateTimeOffset ReceivedAt)>(count);
        for (var i = 0; i < count; i++)
        {
            var (message, receivedAt) = messages[start + i];
            if (!logged.Contains(message.MessageId))
            {
                continue;
            }

            var p = string.Create(CultureInfo.InvariantCulture, $"@a{i}_");
            sql.Append(rows.Count == 0 ? " (" : ", (").Append(CultureInfo.InvariantCulture,
                $"{p}id, {p}device, {p}camera, {p}type, {p}state, {p}seq, {p}started, {p}observed, {p}ended, {p}zone, {p}conf, {p}mname, {p}mvalue, {p}munit, {p}objects, {p}model, {p}mversion, {p}now, {p}now, {p}end)");
            command.With(p + "id", message.AlertId).With(p + "device", message.DeviceId).With(p + "camera", message.CameraId)
                .With(p + "type", WireNames.Of(message.EventType)).With(p + "state", WireNames.Of(message.State)).With(p + "seq", message.Sequence)
                .With(p + "zone", message.ZoneId).With(p + "conf", message.Confidence)
                .With(p + "mname", message.Measurement?.Name).With(p + "mvalue", message.Measurement?.Value).With(p + "munit", message.Measurement?.Unit)
                .With(p + "model", message.Model.Id).With(p + "mversion", message.Model.Version)
                .With(p + "end", message.State == AlertState.End ? WireNames.Of(message.EndReason ?? AlertEndReason.Cleared) : null);
            dialect.AddTime(command, p + "started", message.StartedAt);
            dialect.AddTime(command, p + "observed", message.ObservedAt);
            dialect.AddTime(command, p + "ended", message.EndedAt);
            dialect.AddTime(command, p + "now", receivedAt);
            dialect.AddJson(command, p + "objects", JsonSerializer.Serialize(message.Objects, FleetJsonContext.Default.IReadOnlyListAlertObject));
            rows.Add((message, receivedAt));
        }

        var text = sql.Append(MoveConflictSql).ToString();
        if (!string.Equals(command.CommandText, text, StringComparison.Ordinal))
        {
            command.CommandText = text;
        }

        return await ReadMovedAsync(command, rows, cancellationToken);
    }

    private async Task<Dictionary<string, AlertView>> ReadMovedAsync(DbCommand command, List<(AlertMessage Message, DateTimeOffset ReceivedAt)> rows, CancellationToken cancellationToken)
    {
        var sent = new Dictionary<string, (AlertMessage Message, DateTimeOffset ReceivedAt)>(rows.Count, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            sent[row.Message.AlertId] = row;
        }

        var moved = new Dictionary<string, AlertView>(rows.Count, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (message, receivedAt) = sent[reader.GetString(0)];
            moved[message.AlertId] = ViewOf(message, receivedAt, reader, database.Dialect);
        }

        return moved;
    }

    /// <summary>
    /// The row a moved alert now holds (what <see cref="AlertStore.ReadView"/> would read back): the message's values as the
    /// statement wrote them (times to the microsecond, the end reason a <c>end</c> gets), with what only the row knows
    /// (<see cref="MovedColumns"/>). The identity columns the statement leaves alone equal the message's (its condition).
    /// </summary>
    /// <remarks>Read by position (the order of <see cref="MovedColumns"/>): on SQLite the statement runs once per alert, and a
    /// <see cref="NamedColumns"/> map built for each cost more than the reading.</remarks>
    private static AlertView ViewOf(AlertMessage message, DateTimeOffset receivedAt, DbDataReader row, SqlDialect dialect)
    {
        var decision = row.IsDBNull(3) ? null : new AlertDecisionView(
            string.Equals(row.GetString(3), "confirmed", StringComparison.Ordinal) ? AlertDecisionKind.Confirmed : AlertDecisionKind.Dismissed,
            row.GetStringOrNull(4), row.GetStringOrNull(5), row.GetString(6), dialect.ReadTime(row, 7));
        return new AlertView(
            AlertId: message.AlertId,
            DeviceId: message.DeviceId,
            CameraId: message.CameraId,
            EventType: message.EventType,
            State: message.State,
            Sequence: message.Sequence,
            StartedAt: SqlDialect.Normalise(message.StartedAt),
            ObservedAt: SqlDialect.Normalise(message.ObservedAt),
            EndedAt: message.EndedAt is { } ended ? SqlDialect.Normalise(ended) : null,
            ZoneId: row.GetStringOrNull(1),
            Confidence: message.Confidence,
            Measurement: message.Measurement,
            Objects: message.Objects,
            Model: message.Model,
            ReceivedAt: dialect.ReadTime(row, 2),
            UpdatedAt: SqlDialect.Normalise(receivedAt),
            Decision: decision,
            EndReason: message.State == AlertState.End ? message.EndReason ?? AlertEndReason.Cleared : null);
    }

    /// <summary>The two commands of a batch, kept from one chunk to the next so that an unchanged text is not prepared again.</summary>
    private sealed class PreparedCommands : IAsyncDisposable
    {
        public DbCommand? Log { get; set; }

        public DbCommand? Move { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Log is not null)
            {
                await Log.DisposeAsync();
            }

            if (Move is not null)
            {
                await Move.DisposeAsync();
            }
        }
    }
}
