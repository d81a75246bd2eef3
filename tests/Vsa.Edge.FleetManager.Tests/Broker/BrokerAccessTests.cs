using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.Broker;

/// <summary>
/// No unauthenticated writes, on the real embedded broker: with the defaults nobody connects without a certificate of the
/// fleet CA; on a test bench the plain endpoint only views; and nobody but the fleet writes a desired configuration.
/// </summary>
public sealed class BrokerAccessTests
{
    [Fact]
    public async Task Defaults_ClientWithoutCertificate_CannotConnectAnywhere()
    {
        await using var fleet = await FleetApp.StartAsync(FleetApp.SecureDefaults);
        using var ca = X509Certificate2.CreateFromPem(fleet.Services.GetRequiredService<FleetCertificateAuthority>().CertificatePem);
        using var noCertificate = new MqttClientFactory().CreateMqttClient();

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectPlainAsync(fleet.BrokerPort, "intruder"));
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectPlainAsync(fleet.TlsPort, "intruder"));
        await Assert.ThrowsAnyAsync<Exception>(() => noCertificate.ConnectAsync(TrustedDevice.TlsOptions(fleet.TlsPort, "intruder", null, ca)));

        // The fleet's own clients use their service certificate: the ingestion is subscribed all the same.
        Assert.True(fleet.Ingestion.Current.Subscribed);
    }

    [Fact]
    public async Task Defaults_EnrolledDeviceWritesDesiredConfiguration_RefusedNeitherDeliveredNorRetained()
    {
        await using var fleet = await FleetApp.StartAsync(FleetApp.SecureDefaults);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var now = ConfigSamples.NowToTheSecond();
        await ConfigTestClient.AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", now.AddDays(-1), now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        await ConfigTestClient.ReadConfigAsync(await ConfigTestClient.PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
        await using var victim = await DesiredSubscriber.SubscribeAsync(fleet, "pole-12");
        await victim.NextAsync(m => m.Version == 1);
        using var intruder = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var (client, _) = await intruder.ConnectAsync(fleet.TlsPort);
        using var _client = client;

        // A higher version with a window until 2099, as the red team forged it, retained, on the victim's topic and its own.
        var forgedOther = await PublishAsync(client, Topics.ConfigDesired("pole-12"), Forged("pole-12"), retain: true);
        var forgedOwn = await PublishAsync(client, Topics.ConfigDesired("pole-13"), Forged("pole-13"), retain: true);
        await ConfigTestClient.ReadConfigAsync(await ConfigTestClient.PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera(), ConfigSamples.Camera("cam-2", enabled: false)]));
        var (next, _) = await victim.NextAsync(_ => true);

        // What the broker retains, seen by the fleet's own identity: a retained copy comes at once on subscription, before
        // the live version 3 published after it.
        await using var observer = await Observer.SubscribeAsync(fleet, "vsa/v1/+/config/desired");
        await ConfigTestClient.ReadConfigAsync(await ConfigTestClient.PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
        var seen = await observer.UntilAsync(m => m is ("vsa/v1/pole-12/config/desired", 3, _));

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forgedOther.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forgedOwn.ReasonCode);
        Assert.Equal(2, next.Version);
        Assert.Equal<(string, long, bool)>([("vsa/v1/pole-12/config/desired", 2, true), ("vsa/v1/pole-12/config/desired", 3, false)], seen);
    }

    [Fact]
    public async Task Bench_PlainClient_ViewsAlertsButPublishesNothingAndReadsNoConfiguration()
    {
        // The plain endpoint of a test bench, without BenchDevicesMayPublish.
        await using var fleet = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Broker:RequireClientCertificates"] = "false" });
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var viewer = await ConnectPlainAsync(fleet.BrokerPort, "bench-viewer");
        using var _viewer = viewer;
        var viewed = Channel.CreateUnbounded<string>();
        viewer.ApplicationMessageReceivedAsync += e => viewed.Writer.WriteAsync(e.ApplicationMessage.Topic).AsTask();
        var subscribed = await viewer.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.AllAlerts, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.ConfigDesired("pole-12"), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("vsa/v1/+/config/desired", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.AllConfigReported, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("vsa/v1/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        var namedAsDevice = await ConnectPlainAsync(fleet.BrokerPort, "pole-12-bench");
        using var _named = namedAsDevice;
        var forged = Samples.AlertStart("pole-12");
        var forgedAlert = await PublishAsync(viewer, Topics.Alerts("pole-12"), AlertJson(forged));
        var forgedDesired = await PublishAsync(namedAsDevice, Topics.ConfigDesired("pole-12-bench"), Forged("pole-12-bench"), retain: true);

        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var genuine = Samples.AlertStart("pole-12");
        await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), genuine);
        await fleet.WaitForAlertAsync(genuine.AlertId);
        using var guard = new CancellationTokenSource(FleetApp.Timeout);

        Assert.Equal(
            [MqttClientSubscribeResultCode.GrantedQoS1, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized],
            subscribed.Items.Select(i => i.ResultCode));
        Assert.Equal(Topics.Alerts("pole-12"), await viewed.Reader.ReadAsync(guard.Token));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forgedAlert.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forgedDesired.ReasonCode);
        Assert.Null(await fleet.Services.GetRequiredService<AlertStore>().FindAsync(forged.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task BenchDevicesMayPublish_ClientNamedAsDevice_PublishesOnlyThatDevicesOwnTopics()
    {
        // FleetApp's bench: plain endpoint with BenchDevicesMayPublish.
        await using var fleet = await FleetApp.StartAsync();
        var bench = await ConnectPlainAsync(fleet.BrokerPort, "pole-12");
        using var _bench = bench;
        var agent = await ConnectPlainAsync(fleet.BrokerPort, "vsa-agent-pole-14");
        using var _agent = agent;
        var other = Samples.AlertStart("pole-13");

        var foreign = await PublishAsync(bench, Topics.Alerts("pole-13"), AlertJson(other));
        var desired = await PublishAsync(bench, Topics.ConfigDesired("pole-12"), Forged("pole-12"), retain: true);
        var own = Samples.AlertStart("pole-12");
        var ownAck = await PublishAsync(bench, Topics.Alerts("pole-12"), AlertJson(own));
        var agentAlert = Samples.AlertStart("pole-14");
        var agentAck = await PublishAsync(agent, Topics.Alerts("pole-14"), AlertJson(agentAlert));
        await fleet.WaitForAlertAsync(own.AlertId);
        await fleet.WaitForAlertAsync(agentAlert.AlertId);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreign.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, desired.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, ownAck.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, agentAck.ReasonCode);
        Assert.Null(await fleet.Services.GetRequiredService<AlertStore>().FindAsync(other.AlertId, CancellationToken.None));
    }

    [Theory]
    [InlineData("vsa-fleet")]
    [InlineData("vsa-fleet-config")]
    public async Task Bench_PlainClientWithTheFleetsOwnClientId_Refused(string clientId)
    {
        await using var fleet = await FleetApp.StartAsync();

        using var squatter = new MqttClientFactory().CreateMqttClient();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var refused = await squatter.ConnectAsync(new MqttClientOptionsBuilder().WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", fleet.BrokerPort).WithClientId(clientId).Build(), guard.Token);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var alert = Samples.AlertStart("pole-12");
        await device.PublishAsync(alert);

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
        Assert.True(fleet.Ingestion.Current.Subscribed);
        Assert.Equal("pole-12", (await fleet.WaitForAlertAsync(alert.AlertId)).DeviceId);
    }

    internal static async Task<IMqttClient> ConnectPlainAsync(int port, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            using var guard = new CancellationTokenSource(FleetApp.Timeout);
            var result = await client.ConnectAsync(new MqttClientOptionsBuilder().WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", port).WithClientId(clientId).Build(), guard.Token);
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    internal static async Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, string payload, bool retain = false)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        return await client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            guard.Token);
    }

    private static string AlertJson(AlertMessage alert) => System.Text.Json.JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage);

    // The version a desired-configuration message claims: inside the signed envelope for the fleet's, at the top of a forgery.
    private static long VersionOf(byte[] payload) =>
        JsonNode.Parse(payload)?["payload"] is { } inner
            ? (long?)JsonNode.Parse(Convert.FromBase64String(inner.GetValue<string>()))?["version"] ?? -1
            : (long?)JsonNode.Parse(payload)?["version"] ?? -1;

    private static string Forged(string deviceId) => new JsonObject
    {
        ["schema"] = "vsa.config.desired",
        ["schemaVersion"] = 1,
        ["deviceId"] = deviceId,
        ["version"] = 99,
        ["cameras"] = new JsonArray(),
        ["authorisations"] = new JsonArray(new JsonObject { ["reference"] = "forged", ["endsAt"] = "2099-12-31T00:00:00Z" }),
    }.ToJsonString();

    /// <summary>A client with the fleet's own service certificate, to see what the broker holds.</summary>
    private sealed class Observer : IAsyncDisposable
    {
        private readonly IMqttClient _client;
        private readonly Channel<(string Topic, long Version, bool Retained)> _received = Channel.CreateUnbounded<(string, long, bool)>();

        private Observer(IMqttClient client) => _client = client;

        public static async Task<Observer> SubscribeAsync(FleetApp fleet, string filter)
        {
            var authority = fleet.Services.GetRequiredService<FleetCertificateAuthority>();
            var client = new MqttClientFactory().CreateMqttClient();
            var observer = new Observer(client);
            client.ApplicationMessageReceivedAsync += e =>
            {
                var version = VersionOf(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
                return observer._received.Writer.WriteAsync((e.ApplicationMessage.Topic, version, e.ApplicationMessage.Retain)).AsTask();
            };
            using var guard = new CancellationTokenSource(FleetApp.Timeout);
            await client.ConnectAsync(
                new MqttClientOptionsBuilder().WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", fleet.TlsPort).WithClientId($"observer-{Guid.NewGuid():N}")
                    .WithTlsOptions(tls => tls.UseTls().WithClientCertificates([authority.ServiceCertificate])
                        .WithCertificateValidationHandler(e => e.Certificate is X509Certificate2 server && authority.Verifies(server, FleetCertificateAuthority.ServerAuthOid)))
                    .Build(),
                guard.Token);
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), guard.Token);
            return observer;
        }

        /// <summary>Every message received until (and with) the first one matching <paramref name="last"/>.</summary>
        public async Task<IReadOnlyList<(string Topic, long Version, bool Retained)>> UntilAsync(Func<(string Topic, long Version, bool Retained), bool> last)
        {
            using var guard = new CancellationTokenSource(FleetApp.Timeout);
            var seen = new List<(string, long, bool)>();
            while (true)
            {
                var next = await _received.Reader.ReadAsync(guard.Token);
                seen.Add(next);
                if (last(next))
                {
                    return seen;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _client.TryDisconnectAsync();
            _client.Dispose();
        }
    }
}
