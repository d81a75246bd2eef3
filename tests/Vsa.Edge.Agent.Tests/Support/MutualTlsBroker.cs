using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>
/// A real MQTTnet broker (the fleet's embedded broker is MQTTnet too) on free loopback ports: a mutual-TLS endpoint for the
/// device, requiring a client certificate of the test CA it is started with, and a plain one for the test playing the fleet, which
/// publishes signed desired states retained, as the fleet does.
/// </summary>
internal sealed class MutualTlsBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly X509Certificate2 _certificate;
    private readonly IMqttClient _fleet = new MqttClientFactory().CreateMqttClient();

    private MutualTlsBroker(MqttServer server, X509Certificate2 certificate, int plainPort, int tlsPort)
    {
        (_server, _certificate, PlainPort, TlsPort) = (server, certificate, plainPort, tlsPort);
    }

    public int PlainPort { get; }

    public int TlsPort { get; }

    public static async Task<MutualTlsBroker> StartAsync(TestCertificateAuthority ca)
    {
        var (plain, tls) = (InProcessBroker.FreePort(), InProcessBroker.FreePort());
        var certificate = ca.IssueServer();
        var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(plain)
            .WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback).WithEncryptedEndpointPort(tls)
            .WithEncryptionCertificate(certificate)
            .WithClientCertificate((_, client, _, _) => client is not null && ca.Issued(client))
            .Build());
        await server.StartAsync();
        var broker = new MutualTlsBroker(server, certificate, plain, tls);
        await broker._fleet.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", plain).WithClientId("fleet-" + Guid.NewGuid().ToString("N")).Build());
        return broker;
    }

    /// <summary>Publishes <paramref name="message"/> signed with the tests' fleet key, retained, QoS 1.</summary>
    public Task PublishDesiredAsync(DesiredConfigMessage message) =>
        _fleet.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ConfigDesired(message.DeviceId))
            .WithPayload(TestSigning.Sign(message))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build());

    public async ValueTask DisposeAsync()
    {
        await _fleet.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        _fleet.Dispose();
        await _server.StopAsync();
        _server.Dispose();
        _certificate.Dispose();
    }
}
