using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// Certificate renewal over the session: requests out (<see cref="Topics.CertificateRequest"/>), signed answers in
/// (subscription, QoS 1, to the device's own <see cref="Topics.CertificateIssued"/> at every connection), handed at once
/// to the renewer, which verifies them and waits for the answer to its own request. No answer inbox: no subscription.
/// </summary>
internal sealed class CertificateChannel(MqttSession session) : IMqttChannel
{
    public ChannelWriter<byte[]>? Answers { get; set; }

    public async Task<bool> PublishRequestAsync(CertificateRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await session.Connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await session.Client.PublishAsync(
                new MqttApplicationMessageBuilder()
                    .WithTopic(Topics.CertificateRequest(session.DeviceId))
                    .WithPayload(JsonSerializer.SerializeToUtf8Bytes(request, ContractsJsonContext.Default.CertificateRequestMessage))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType("application/json")
                    .Build(),
                cancellationToken).ConfigureAwait(false);
            return result.IsSuccess;
        }
        catch (Exception ex) when (MqttSession.IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            MqttLog.PublishFailed(session.Logger, Topics.CertificateRequest(session.DeviceId), ex.Message);
            return false;
        }
    }

    public Task OnConnectingAsync(CancellationToken ct) =>
        Answers is null
            ? Task.CompletedTask
            : session.Client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.CertificateIssued(session.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                ct);

    public bool TryRoute(MqttApplicationMessage message)
    {
        if (Answers is not { } inbox || message.Topic != Topics.CertificateIssued(session.DeviceId))
        {
            return false;
        }

        inbox.TryWrite(message.Payload.ToArray());
        return true;
    }
}
