using System.Data.Common;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The bulk path of <see cref="AlertStore.ApplyAsync(DbConnection, DbTransaction, AlertMessage, DateTimeOffset, CancellationToken)"/>:
/// the alerts of one batch, each of a different alert and with a different message id, recorded batch by batch instead of
/// through two statements prepared per alert. The profile of a burst showed the writer spending its time in per-message
/// round trips and statement preparation, one alert after the other. SQLite: two statements prepared once per batch, run
/// with each alert's values bound by position (AlertBatchStore.Sqlite.cs); PostgreSQL: the whole batch in two statements
/// over arrays (AlertBatchStore.Postgres.cs). Same rules as the single path (same SQL conditions); a message that was logged
/// but did not move its alert is resolved one by one (<see cref="AlertStore.ResolveNotAppliedAsync"/>), a rare case.
/// </summary>
public sealed partial class AlertBatchStore(FleetDatabase database, AlertStore alerts)
{
    /// <summary>
    /// Records <paramref name="messages"/> (distinct alert ids and message ids, checked by the caller) in the caller's
    /// transaction; returns one result per message, in order.
    /// </summary>
    public async Task<AlertApplyResult[]> ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var results = new AlertApplyResult[messages.Count];
        if (database.Dialect is not PostgresDialect)
        {
            await ApplySqliteAsync(connection, transaction, messages, results, cancellationToken);
            return results;
        }

        var logged = await LogMessagesPostgresAsync(connection, transaction, messages, cancellationToken);
        var moved = logged.Count == 0 ? [] : await MoveAlertsPostgresAsync(connection, transaction, messages, logged, cancellationToken);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i].Message;
            results[i] = !logged.Contains(message.MessageId) ? new(AlertApplyOutcome.Duplicate, null)
                : moved.TryGetValue(message.AlertId, out var view) ? new(AlertApplyOutcome.Applied, view)
                : await alerts.ResolveNotAppliedAsync(connection, transaction, message, cancellationToken);
        }

        return results;
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
            var decision = reader.IsDBNull(3) ? null : new AlertDecisionView(
                string.Equals(reader.GetString(3), "confirmed", StringComparison.Ordinal) ? AlertDecisionKind.Confirmed : AlertDecisionKind.Dismissed,
                reader.GetStringOrNull(4), reader.GetStringOrNull(5), reader.GetString(6), database.Dialect.ReadTime(reader, 7));
            moved[message.AlertId] = ViewOf(message, receivedAt, reader.GetStringOrNull(1), database.Dialect.ReadTime(reader, 2), decision);
        }

        return moved;
    }

    /// <summary>
    /// The row a moved alert now holds (what <see cref="AlertStore.ReadView"/> would read back): the message's values as the
    /// statement wrote them (times to the microsecond, the end reason a <c>end</c> gets), with what only the row knows
    /// (<see cref="MovedColumns"/>: the zone as first stored, the first receipt, the operator's decision). The identity
    /// columns the statement leaves alone equal the message's (its condition).
    /// </summary>
    private static AlertView ViewOf(AlertMessage message, DateTimeOffset receivedAt, string? zoneId, DateTimeOffset firstReceivedAt, AlertDecisionView? decision)
    {
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
            ZoneId: zoneId,
            Confidence: message.Confidence,
            Measurement: message.Measurement,
            Objects: message.Objects,
            Model: message.Model,
            ReceivedAt: firstReceivedAt,
            UpdatedAt: SqlDialect.Normalise(receivedAt),
            Decision: decision,
            EndReason: message.State == AlertState.End ? message.EndReason ?? AlertEndReason.Cleared : null);
    }
}
