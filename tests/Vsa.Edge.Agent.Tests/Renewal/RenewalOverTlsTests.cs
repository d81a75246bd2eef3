using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Renewal;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Tests.Renewal;

/// <summary>
/// The real publisher and renewer against a real broker that requires client certificates of the test CA, with a stand-in
/// fleet that signs renewals: the connection switches to the new certificate while alerts are flowing, and every alert
/// stored in the outbox before, during and after the switch reaches a subscriber.
/// </summary>
public sealed class RenewalOverTlsTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly RenewalSupport _device = new("pole-33");

    public void Dispose() => _device.Dispose();

    [Fact]
    public async Task Renew_WhileAlertsFlow_SwitchesCertificateAndLosesNoAlert()
    {
        var (plainPort, tlsPort) = (InProcessBroker.FreePort(), InProcessBroker.FreePort());
        using var serverCertificate = _device.Ca.IssueServer();
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(plainPort)
            .WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback).WithEncryptedEndpointPort(tlsPort)
            .WithEncryptionCertificate(serverCertificate)
            .WithClientCertificate((_, client, _, _) => client is not null && _device.Ca.Issued(client))
            .Build());
        var serials = new ConcurrentQueue<string>();
        server.ValidatingConnectionAsync += e =>
        {
            if (e.ClientId == _device.DeviceId && e.ClientCertificate is { } certificate)
            {
                serials.Enqueue(certificate.SerialNumber);
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        await using var fleet = await StandInFleet.StartAsync(plainPort, _device);
        await using var alerts = await RecordingSubscriber.ConnectAsync(plainPort, Topics.Alerts(_device.DeviceId));

        var inbox = new CertificateAnswerInbox();
        var mqtt = _device.Mqtt(tlsPort);
        mqtt.ReconnectMinDelay = TimeSpan.FromMilliseconds(50);
        mqtt.ReconnectMaxDelay = TimeSpan.FromMilliseconds(200);
        using var outbox = new SqliteAlertOutbox(_device.Folder, _device.DeviceId, new OutboxOptions(), TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        await using var publisher = new MqttPublisher(mqtt, _device.DeviceId, outbox, TimeProvider.System, NullLogger<MqttPublisher>.Instance) { CertificateAnswers = inbox.Writer };
        using var renewer = new CertificateRenewer(
            publisher, inbox, new SignedMessageVerifier([TestSigning.Fleet.SubjectPublicKeyInfo]), mqtt,
            new RenewalOptions { RenewAfter = 0, AnswerTimeout = TimeSpan.FromSeconds(20), RetryDelay = TimeSpan.FromHours(1) },
            _device.DeviceId, TimeProvider.System, NullLogger<CertificateRenewer>.Instance);
        var sent = new List<string>();
        void Store(int count)
        {
            var batch = Enumerable.Range(0, count).Select(_ => TestAlerts.Start(_device.DeviceId)).ToList();
            outbox.Enqueue(batch);
            sent.AddRange(batch.Select(a => a.AlertId));
        }

        Store(100);
        await publisher.StartAsync(CancellationToken.None);
        await renewer.StartAsync(CancellationToken.None);

        // Alerts keep being stored (paced by the outbox draining) until the device says it switched.
        using var guard = new CancellationTokenSource(Guard);
        var switched = fleet.SwitchedAway(_device.EnrolledSerial);
        while (!switched.IsCompleted)
        {
            Store(10);
            await Task.WhenAny(switched, outbox.WaitAsync(c => c.Depth < 20, guard.Token));
        }

        var newSerial = await switched;
        Store(100);
        await alerts.WaitForAsync(m => m.Payload.Contains(sent[^1], StringComparison.Ordinal), Guard);
        await renewer.StopAsync(CancellationToken.None);
        await publisher.StopAsync(CancellationToken.None);

        var received = alerts.Received.Select(m => JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.AlertMessage)!.AlertId).ToHashSet();
        Assert.Empty(sent.Except(received));
        Assert.Equal(_device.StoredSerial, newSerial);
        Assert.Equal(_device.EnrolledSerial, serials.First());
        Assert.Equal(newSerial, serials.Last());
        Assert.Equal(1L, renewer.Renewals);
        Assert.Equal(0, outbox.Counts.Depth);
        await server.StopAsync();
    }

    /// <summary>The fleet's renewal service in miniature: signs every CSR with the test CA, records what the device says it switched to.</summary>
    private sealed class StandInFleet : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly ConcurrentQueue<string> _switched = new();
        private readonly SemaphoreSlim _changed = new(0);

        public static async Task<StandInFleet> StartAsync(int port, RenewalSupport device)
        {
            var fleet = new StandInFleet();
            fleet._client.ApplicationMessageReceivedAsync += async e =>
            {
                var request = JsonSerializer.Deserialize(e.ApplicationMessage.Payload.FirstSpan, ContractsJsonContext.Default.CertificateRequestMessage)!;
                if (request.Kind == CertificateRequestKind.Switched)
                {
                    fleet._switched.Enqueue(request.Serial);
                    fleet._changed.Release();
                    return;
                }

                await fleet._client.PublishAsync(new MqttApplicationMessageBuilder()
                    .WithTopic(Topics.CertificateIssued(request.DeviceId))
                    .WithPayload(device.Issue(request))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build());
            };
            await fleet._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
            await fleet._client.SubscribeAsync(Topics.CertificateRequest(device.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce);
            return fleet;
        }

        /// <summary>Completes with the serial the device says it switched to, once it is not <paramref name="old"/>.</summary>
        public async Task<string> SwitchedAway(string old)
        {
            while (true)
            {
                await _changed.WaitAsync(Guard);
                if (_switched.LastOrDefault() is { } serial && serial != old)
                {
                    return serial;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _client.DisconnectAsync();
            _client.Dispose();
            _changed.Dispose();
        }
    }
}
