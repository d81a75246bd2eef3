using System.Buffers;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// Ingestion inside the embedded broker: "acknowledged" means "committed". MQTTnet answers a QoS 1 PUBLISH only after its
/// publish interceptor returned (<c>MqttConnectedClient.HandleIncomingPublishPacket</c> awaits
/// <c>DispatchApplicationMessage</c>, which awaits the interceptor, then queues the PUBACK built from its result), so the
/// interceptor hands every message on an ingested topic to the <see cref="IngestionWriter"/> and returns once the batch
/// holding it committed. Devices publishing at the same time share batches (one commit for all of them). A message that
/// could not be stored is answered with <see cref="MqttPubAckReasonCode.ImplementationSpecificError"/> (MQTT 5; the agent
/// keeps it in its outbox and publishes it again) or, for an MQTT 3.1.1 client whose PUBACK carries no reason code, by
/// closing its connection without a PUBACK. Last wills go through the same interceptor, so a device's offline status is
/// stored too. The ingestion client then has nothing left to receive in embedded mode and does not subscribe.
/// </summary>
public sealed partial class EmbeddedIngestion(IngestionWriter writer, TimeProvider timeProvider, ILogger<EmbeddedIngestion> logger)
{
    private const string ProtocolItem = "vsa.protocol-version";

    /// <summary>CONNECT (accepted or not): remembers the client's protocol version for the way a failure is answered.</summary>
    public static void RememberProtocol(ValidatingConnectionEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        e.SessionItems[ProtocolItem] = e.ProtocolVersion;
    }

    /// <summary>
    /// PUBLISH, after the access control let it through: stores a message on an ingested topic and returns once it is
    /// committed; anything else passes untouched.
    /// </summary>
    public async Task StoreBeforeAcknowledgingAsync(InterceptingPublishEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e.ApplicationMessage;
        if (!e.ProcessPublish || message is null || !TopicRoute.TryParse(message.Topic, out _))
        {
            return;
        }

        try
        {
            await writer.StoreAsync(message.Topic, message.Payload.ToArray(), timeProvider.GetUtcNow(), e.CancellationToken);
        }
        catch (Exception ex) when (ex is IngestionNotStoredException or OperationCanceledException)
        {
            // Not stored (or the device left before it was): no success PUBACK, not retained, not forwarded.
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
            e.Response.ReasonString = "not stored by the fleet manager; publish it again";
            e.CloseConnection = e.SessionItems[ProtocolItem] is MqttProtocolVersion version and < MqttProtocolVersion.V500;
            LogNotStored(logger, e.ClientId, message.Topic, ex.Message);
        }
    }

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Message of {ClientId} on {Topic} not stored, not acknowledged as stored: {Reason}")]
    private static partial void LogNotStored(ILogger logger, string clientId, string topic, string reason);
}
