using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// The configuration channel: desired configurations in (subscription, QoS 1, to the device's own
/// <see cref="Topics.ConfigDesired"/> at every connection; the broker then sends the retained copy), handed to the
/// reconcile loop's inbox; the reported configuration out (retained, QoS 1): the latest wins, sent again after every
/// reconnection (a broker restarted without persistence has lost the retained copy).
/// </summary>
internal sealed class ConfigChannel(MqttSession session)
    : RetainedReportChannel<ReportedConfigMessage>(session, Topics.ConfigReported(session.DeviceId), ContractsJsonContext.Default.ReportedConfigMessage), IMqttChannel, IConfigReportSink
{
    /// <summary>Where received desired configurations go; null: no subscription.</summary>
    public DesiredConfigInbox? Inbox { get; set; }

    public Task OnConnectingAsync(CancellationToken ct) =>
        Inbox is null
            ? Task.CompletedTask
            : Session.Client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(Session.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                ct);

    public bool TryRoute(MqttApplicationMessage message)
    {
        if (Inbox is { } inbox && message.Topic == Topics.ConfigDesired(Session.DeviceId))
        {
            inbox.Writer.TryWrite(message.Payload.ToArray());
            return true;
        }

        return false;
    }
}
