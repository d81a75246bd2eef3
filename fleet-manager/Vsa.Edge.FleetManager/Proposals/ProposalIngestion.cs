using System.Data.Common;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Proposals;

/// <summary>
/// A proposal on its way through the ingestion: decoded and checked like every device message (<see cref="PayloadDecoder"/>:
/// size, UTF-8, one JSON object, schema, version, device id = the topic's), then <see cref="ProposalChecks"/>, then stored in the
/// batch's transaction, so that the device's PUBACK means "stored" (the agent deletes its file only then). A refusal goes to
/// the dead letters with its reason, like any other.
/// </summary>
internal static class ProposalIngestion
{
    public static async Task<StoredMessage> StoreAsync(
        ProposalStore store, DbConnection connection, DbTransaction transaction, string topic, TopicRoute route, ReadOnlyMemory<byte> payload, TimeWindow window, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var decoded = PayloadDecoder.DecodeConfigProposal(payload.Span, route.DeviceId, window);
        if (decoded.Message is not { } proposal)
        {
            return new(topic, IngestionOutcome.Rejected, route.Kind, decoded.Reason, decoded.Detail);
        }

        var cameraId = proposal.Camera.GetProperty("cameraId").GetString()!;
        return await store.ReceiveAsync(connection, transaction, proposal, cameraId, receivedAt, cancellationToken) switch
        {
            ProposalReceipt.Stored => new(topic, IngestionOutcome.Accepted, route.Kind),
            ProposalReceipt.Duplicate => new(topic, IngestionOutcome.Duplicate, route.Kind),
            var refused => new(topic, IngestionOutcome.Rejected, route.Kind, RejectReason.InvalidContent, ProposalStore.RefusalText(refused, route.DeviceId)),
        };
    }
}
