using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Renewal;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Certificate renewal: requests out, signed answers in (<see cref="Topics.CertificateIssued"/>), switching credentials.</summary>
public sealed partial class MqttPublisher : ICertificateRenewalChannel
{
    private PendingSwitch? _switch;

    /// <summary>
    /// Where received certificate answers go (<see cref="CertificateAnswerInbox.Writer"/>); when set, the publisher subscribes
    /// (QoS 1) to the device's own <see cref="Topics.CertificateIssued"/> at every connection. Null: no subscription.
    /// </summary>
    public ChannelWriter<byte[]>? CertificateAnswers { get; init; }

    /// <inheritdoc />
    public DeviceCredentials? Credentials => Volatile.Read(ref _credentials);

    /// <inheritdoc />
    public async Task<bool> PublishCertificateRequestAsync(CertificateRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await Volatile.Read(ref _connected).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await _client.PublishAsync(
                new MqttApplicationMessageBuilder()
                    .WithTopic(Topics.CertificateRequest(_deviceId))
                    .WithPayload(JsonSerializer.SerializeToUtf8Bytes(request, ContractsJsonContext.Default.CertificateRequestMessage))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithContentType("application/json")
                    .Build(),
                cancellationToken).ConfigureAwait(false);
            return result.IsSuccess;
        }
        catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            MqttLog.PublishFailed(_logger, Topics.CertificateRequest(_deviceId), ex.Message);
            return false;
        }
    }

    /// <inheritdoc />
    public async Task SwitchCredentialsAsync(DeviceCredentials next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var pending = new PendingSwitch(next);
        Volatile.Write(ref _switch, pending);
        var previous = Interlocked.Exchange(ref _credentials, next);
        try
        {
            // A clean disconnection: no last will, the session stays; alerts not yet acknowledged stay in the outbox and go
            // out again on the new connection, which the connection loop opens at once with the new certificate.
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Not connected at that moment: the next connection uses the new certificate anyway.
        }

        await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (previous is not null && !ReferenceEquals(previous, next))
        {
            previous.Dispose();
        }
    }

    // A disconnection it asked for (the switch), not one to warn about.
    private bool SwitchingCredentials => Volatile.Read(ref _switch) is { Done.Task.IsCompleted: false };

    private Task SubscribeCertificatesAsync(CancellationToken ct) =>
        CertificateAnswers is null
            ? Task.CompletedTask
            : _client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.CertificateIssued(_deviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                ct);

    // Handed over at once; verified by the renewer, which waits for the answer to its own request.
    private bool TryRouteCertificate(MqttApplicationMessageReceivedEventArgs e)
    {
        if (CertificateAnswers is not { } inbox || e.ApplicationMessage.Topic != Topics.CertificateIssued(_deviceId))
        {
            return false;
        }

        inbox.TryWrite(e.ApplicationMessage.Payload.ToArray());
        return true;
    }

    private void ConnectedWith(DeviceCredentials? credentials)
    {
        if (credentials is not null && Volatile.Read(ref _switch) is { } pending && ReferenceEquals(pending.Credentials, credentials))
        {
            pending.Done.TrySetResult();
        }
    }

    private sealed record PendingSwitch(DeviceCredentials Credentials)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
