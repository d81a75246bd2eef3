using System.Data.Common;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// A batch of messages decoded before its transaction opens (<see cref="IngestionPipeline.Prepare"/>): the alerts that can go
/// through the bulk path (<see cref="AlertBatchStore"/>), each the first of its alert and of its message id in the batch.
/// </summary>
/// <param name="Messages">The batch, in arrival order.</param>
/// <param name="BulkIndexes">Positions in <paramref name="Messages"/> of the alerts in <paramref name="BulkAlerts"/>.</param>
/// <param name="BulkAlerts">The decoded alerts stored by the bulk path, with their receipt times.</param>
/// <param name="HeartbeatIndexes">Positions in <paramref name="Messages"/> of the heartbeats in <paramref name="Heartbeats"/>.</param>
/// <param name="Heartbeats">The decoded heartbeats stored by the batch path (<see cref="Devices.HeartbeatBatchStore"/>), in arrival order.</param>
public sealed record PreparedBatch(IReadOnlyList<InboundMessage> Messages, IReadOnlyList<int> BulkIndexes, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> BulkAlerts,
    IReadOnlyList<int>? HeartbeatIndexes = null, IReadOnlyList<(HealthMessage Message, DateTimeOffset ReceivedAt)>? Heartbeats = null);

/// <summary>The batch path of the pipeline: decoding outside the transaction, alerts in multi-row statements.</summary>
public sealed partial class IngestionPipeline
{
    /// <summary>
    /// Decodes the alerts of <paramref name="messages"/> outside any transaction (the writer does it before opening one, so the
    /// SQLite write lock is held only for the statements). An alert that is not the first of its alert id or of its message id
    /// in the batch, or that is refused, is left to the one-by-one path, which keeps their order and their rules.
    /// </summary>
    public PreparedBatch Prepare(IReadOnlyList<InboundMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var indexes = new List<int>();
        var bulk = new List<(AlertMessage, DateTimeOffset)>();
        var alertIds = new HashSet<string>(StringComparer.Ordinal);
        var messageIds = new HashSet<string>(StringComparer.Ordinal);
        var (heartbeatIndexes, heartbeats, ordered) = (new List<int>(), new List<(HealthMessage, DateTimeOffset)>(), new HashSet<string>(StringComparer.Ordinal));
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var routed = TopicRoute.TryParse(m.Topic, out var route);
            if (!routed || route.Kind != MessageKind.Alert)
            {
                if (routed)
                {
                    SelectHeartbeat(i, m, route, heartbeatIndexes, heartbeats, ordered);
                }

                continue;
            }

            if (m.Payload.Length > options.Value.MaxPayloadBytes)
            {
                continue;
            }

            // Both ids are taken in arrival order whether or not the alert goes in bulk: a later message of the same alert (or
            // with the same message id) goes one by one, after the bulk, so it is still applied after the first.
            var decoded = PayloadDecoder.DecodeAlert(m.Payload.Span, route.DeviceId, options.Value.WindowFor(route.Kind, m.ReceivedAt));
            if (decoded.Message is not { } alert)
            {
                continue;
            }

            var firstOfAlert = alertIds.Add(alert.AlertId);
            if (messageIds.Add(alert.MessageId) && firstOfAlert)
            {
                indexes.Add(i);
                bulk.Add((alert, m.ReceivedAt));
            }
        }

        return new PreparedBatch(messages, indexes, bulk, heartbeatIndexes, heartbeats);
    }

    /// <summary>
    /// Stores a prepared batch in the caller's transaction: its bulk alerts in multi-row statements, then every other message
    /// one by one in arrival order; refusals are dead-lettered as in <see cref="StoreAsync"/>. One result per message, in order.
    /// </summary>
    public async Task<IReadOnlyList<StoredMessage>> StoreBatchAsync(DbConnection connection, DbTransaction transaction, PreparedBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new StoredMessage?[batch.Messages.Count];
        if (batch.BulkAlerts.Count > 0)
        {
            var applied = await _alertBatches.ApplyAsync(connection, transaction, batch.BulkAlerts, cancellationToken);
            for (var k = 0; k < applied.Length; k++)
            {
                var m = batch.Messages[batch.BulkIndexes[k]];
                await FlagIfSuspendedAsync(connection, transaction, batch.BulkAlerts[k].Message, applied[k], cancellationToken);
                var stored = AlertStored(m.Topic, batch.BulkAlerts[k].Message, applied[k]);
                if (stored.Outcome == IngestionOutcome.Rejected)
                {
                    await deadLetters.AddAsync(connection, transaction, stored, m.Payload, m.ReceivedAt, cancellationToken);
                }

                results[batch.BulkIndexes[k]] = stored;
            }
        }

        await StoreHeartbeatsAsync(connection, transaction, batch, results, cancellationToken);
        for (var i = 0; i < results.Length; i++)
        {
            var m = batch.Messages[i];
            results[i] ??= await StoreAsync(connection, transaction, m.Topic, m.Payload, m.ReceivedAt, cancellationToken);
        }

        return results!;
    }
}
