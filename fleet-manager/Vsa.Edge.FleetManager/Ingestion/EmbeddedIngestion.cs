using System.Buffers;
using MQTTnet.Formatter;
using MQTTnet.Packets;
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

    // Set on the interceptor's response once stored, so that the PUBACK can be told apart on its way out (and removed there).
    private const string StoredProperty = "vsa-stored";
    private static readonly ReadOnlyMemory<byte> StoredValue = "1"u8.ToArray();

    /// <summary>CONNECT (accepted or not): remembers the client's protocol version for the way a failure is answered.</summary>
    public static void RememberProtocol(ValidatingConnectionEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        e.SessionItems[ProtocolItem] = e.ProtocolVersion;
    }

    /// <summary>
    /// Whether the client of <paramref name="sessionItems"/> connected with MQTT 3.1.1 (or older), whose PUBACK carries no
    /// reason code: a publish it must not take as acknowledged is answered by closing its connection.
    /// </summary>
    public static bool HasNoPubAckReasonCode(System.Collections.IDictionary sessionItems)
    {
        ArgumentNullException.ThrowIfNull(sessionItems);
        return sessionItems[ProtocolItem] is MqttProtocolVersion version and < MqttProtocolVersion.V500;
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
            (e.Response.UserProperties ??= []).Add(new MqttUserProperty(StoredProperty, StoredValue));
        }
        catch (Exception ex) when (ex is IngestionNotStoredException or OperationCanceledException)
        {
            // Not stored (or the device left before it was): no success PUBACK, not retained, not forwarded.
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
            e.Response.ReasonString = "not stored by the fleet manager; publish it again";
            e.CloseConnection = HasNoPubAckReasonCode(e.SessionItems);
            LogNotStored(logger, e.ClientId, message.Topic, ex.Message);
        }
    }

    /// <summary>
    /// Outbound packet: MQTTnet turns the PUBACK of a message nobody subscribed to into <c>0x10 no matching subscribers</c>;
    /// in embedded mode the fleet consumes device messages without subscribing, so the PUBACK of a stored message says
    /// <c>0x00 success</c> (both are success codes; the agent accepts either). The marker never leaves the broker.
    /// </summary>
    public static Task AcknowledgeStoredAsSuccessAsync(InterceptingPacketEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Packet is MqttPubAckPacket { UserProperties: { Count: > 0 } properties } ack
            && properties.RemoveAll(p => p.Name == StoredProperty) > 0)
        {
            ack.ReasonCode = ack.ReasonCode == MqttPubAckReasonCode.NoMatchingSubscribers ? MqttPubAckReasonCode.Success : ack.ReasonCode;
            ack.UserProperties = properties.Count == 0 ? null : properties;
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Message of {ClientId} on {Topic} not stored, not acknowledged as stored: {Reason}")]
    private static partial void LogNotStored(ILogger logger, string clientId, string topic, string reason);
}
