using System.Threading.Channels;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Renewal;

/// <summary>What certificate renewal needs of the MQTT connection (implemented by <see cref="MqttPublisher"/>).</summary>
public interface ICertificateRenewalChannel
{
    /// <summary>The credentials the connection uses (or will use at its next connection); null without TLS.</summary>
    DeviceCredentials? Credentials { get; }

    /// <summary>Waits until the first connection succeeded; false after <paramref name="timeout"/>.</summary>
    Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Publishes <paramref name="request"/> (QoS 1) once connected; false when the broker did not acknowledge it.</summary>
    Task<bool> PublishCertificateRequestAsync(CertificateRequestMessage request, CancellationToken cancellationToken);

    /// <summary>
    /// Uses <paramref name="next"/> from now on: the connection opened with the old certificate is closed cleanly and opened
    /// again with the new one (the persistent session and the outbox carry what was in flight); completes once connected with
    /// <paramref name="next"/>. The old credentials are disposed then.
    /// </summary>
    Task SwitchCredentialsAsync(DeviceCredentials next, CancellationToken cancellationToken);
}

/// <summary>Signed answers received on <see cref="Topics.CertificateIssued"/>, handed from the MQTT receive loop to the renewer.</summary>
public sealed class CertificateAnswerInbox
{
    // Bounded: a flood on the topic (only the fleet may publish there) cannot grow memory; the renewer matches by request id.
    private readonly Channel<byte[]> _answers = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Where the MQTT client writes.</summary>
    public ChannelWriter<byte[]> Writer => _answers.Writer;

    /// <summary>Where the renewer reads.</summary>
    public ChannelReader<byte[]> Reader => _answers.Reader;
}
