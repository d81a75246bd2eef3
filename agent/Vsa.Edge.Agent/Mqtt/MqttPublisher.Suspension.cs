using System.Buffers;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Suspension state in (subscription to <see cref="Topics.Suspension"/>, the kill switch).</summary>
public sealed partial class MqttPublisher
{
    /// <summary>
    /// Where received suspension states go (<c>Suspension.SuspensionHandler.Inbox</c>); when set, the publisher subscribes
    /// (QoS 1) to the device's own <see cref="Topics.Suspension"/> at every connection, before the desired configuration, so
    /// the retained state arrives first. Null: no subscription.
    /// </summary>
    public ChannelWriter<byte[]>? Suspensions { get; init; }

    private Task SubscribeSuspensionAsync(CancellationToken ct) =>
        Suspensions is null
            ? Task.CompletedTask
            : _client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Suspension(_deviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                ct);

    // Handed over at once; verified and applied on the handler's own loop, never behind a configuration being applied.
    private bool TryRouteSuspension(MqttApplicationMessageReceivedEventArgs e) =>
        Suspensions is { } inbox && e.ApplicationMessage.Topic == Topics.Suspension(_deviceId) && inbox.TryWrite(e.ApplicationMessage.Payload.ToArray());
}
