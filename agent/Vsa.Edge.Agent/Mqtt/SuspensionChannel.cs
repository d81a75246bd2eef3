using System.Buffers;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// Suspension states in (the kill switch, <see cref="Topics.Suspension"/>): subscribed (QoS 1) at every connection, before
/// the desired configuration, so the retained state arrives first; each payload handed at once to the suspension
/// handler's inbox, verified and applied on its own loop, never behind a configuration being applied. No inbox: no subscription.
/// </summary>
internal sealed class SuspensionChannel(MqttSession session) : IMqttChannel
{
    public ChannelWriter<byte[]>? Inbox { get; set; }

    public Task OnConnectingAsync(CancellationToken ct) =>
        Inbox is null
            ? Task.CompletedTask
            : session.Client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Suspension(session.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                ct);

    public bool TryRoute(MqttApplicationMessage message) =>
        Inbox is { } inbox && message.Topic == Topics.Suspension(session.DeviceId) && inbox.TryWrite(message.Payload.ToArray());
}
