using System.Data.Common;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Devices;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The heartbeats of a batch (helper "held", issue 17.2): decoded before the transaction opens, stored with statements prepared
/// once per batch (<see cref="HeartbeatBatchStore"/>), the device's row read for the live page only when someone listens.
/// </summary>
public sealed partial class IngestionPipeline
{
    private readonly HeartbeatBatchStore _heartbeatBatches = new(devices);

    /// <summary>
    /// Takes the heartbeat at <paramref name="index"/> into the batch path when it decodes and no other message of its device
    /// (a status, a configuration report…) came before it in the batch: the batch path runs before the one-by-one path, so a
    /// heartbeat after its device's status goes one by one to keep their order (a last will then a heartbeat of the same
    /// connection: online). A refused heartbeat goes one by one too, to be refused and dead-lettered there.
    /// </summary>
    private void SelectHeartbeat(int index, InboundMessage message, TopicRoute route, List<int> indexes, List<(HealthMessage, DateTimeOffset)> heartbeats, HashSet<string> ordered)
    {
        if (route.Kind != MessageKind.Health)
        {
            ordered.Add(route.DeviceId);
            return;
        }

        if (ordered.Contains(route.DeviceId) || message.Payload.Length > options.Value.MaxPayloadBytes
            || PayloadDecoder.DecodeHealth(message.Payload.Span, route.DeviceId, options.Value.WindowFor(route.Kind, message.ReceivedAt)).Message is not { } health)
        {
            ordered.Add(route.DeviceId);
            return;
        }

        indexes.Add(index);
        heartbeats.Add((health, message.ReceivedAt));
    }

    /// <summary>Stores the batch path's heartbeats in arrival order (the rate bound applied in that order too); one result each.</summary>
    private async Task StoreHeartbeatsAsync(DbConnection connection, DbTransaction transaction, PreparedBatch batch, StoredMessage?[] results, CancellationToken cancellationToken)
    {
        if (batch.HeartbeatIndexes is not { Count: > 0 } indexes || batch.Heartbeats is not { } decoded)
        {
            return;
        }

        var heartbeats = new BatchedHeartbeat[decoded.Count];
        for (var k = 0; k < heartbeats.Length; k++)
        {
            var (health, receivedAt) = decoded[k];
            heartbeats[k] = new(health, receivedAt, _heartbeats.ShouldKeep(health.DeviceId, receivedAt));
        }

        var applied = await _heartbeatBatches.ApplyAsync(connection, transaction, heartbeats, readRows: live.HasListeners, cancellationToken);
        for (var k = 0; k < applied.Length; k++)
        {
            var topic = batch.Messages[indexes[k]].Topic;
            results[indexes[k]] = applied[k].Changed
                ? new(topic, IngestionOutcome.Accepted, MessageKind.Health, Device: applied[k].View, Coalesced: !heartbeats[k].KeepInHistory)
                : new(topic, IngestionOutcome.Stale, MessageKind.Health);
        }
    }
}
