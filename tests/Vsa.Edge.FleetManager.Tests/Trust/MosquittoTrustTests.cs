using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Trust;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>
/// Debian's real Mosquitto with the configuration <c>vsa-fleet broker mosquitto-config</c> writes, and the fleet manager as
/// its client over TLS with its service identity: enrolled devices connect, stay in their own subtree, and a revoked one is
/// refused once the broker has read the new revocation list.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MosquittoTrustTests : IDisposable
{
    private readonly string _trustDirectory = Directory.CreateTempSubdirectory("vsa-trust-").FullName;
    private readonly string _brokerDirectory = Directory.CreateTempSubdirectory("vsa-mosquitto-conf-").FullName;
    private readonly FleetCertificateAuthority _authority;
    private readonly MosquittoFixture _mosquitto;

    public MosquittoTrustTests()
    {
        // The CA exists before the broker and the fleet: the broker's configuration names its files, the fleet then uses them.
        _authority = new FleetCertificateAuthority(_trustDirectory, new TrustOptions(), TimeProvider.System, NullLogger<FleetCertificateAuthority>.Instance);
        _authority.PublishRevocationList([]);

        _mosquitto = new MosquittoFixture(port =>
        {
            var files = MosquittoConfiguration.Write(new MosquittoSettings(_brokerDirectory, port, "127.0.0.1"), _authority);
            // Started as root, Mosquitto would drop to the "mosquitto" user before reading the key and the ACL, which the test
            // writes as root with mode 0600 in private temporary folders; an installation chowns them instead (docs/trust.md).
            return File.ReadAllText(files.Configuration) + "user root\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n";
        });
    }

    [Fact]
    public async Task Mosquitto_GeneratedConfiguration_DevicesStayInTheirOwnSubtree()
    {
        await using var fleet = await FleetApp.StartAsync(Settings());
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var victim = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var intruder = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");

        var (victimClient, victimConnected) = await victim.ConnectAsync(_mosquitto.Port);
        using var _victim = victimClient;
        var genuine = Samples.AlertStart("pole-12");
        await TrustedDevice.PublishAsync(victimClient, Topics.Alerts("pole-12"), genuine);
        await fleet.WaitForAlertAsync(genuine.AlertId);

        var (client, connected) = await intruder.ConnectAsync(_mosquitto.Port);
        using var _client = client;
        var forged = Samples.AlertStart("pole-12");
        var refused = await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), forged);
        var own = Samples.AlertStart("pole-13");
        await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-13"), own);
        await fleet.WaitForAlertAsync(own.AlertId);

        Assert.Equal(MqttClientConnectResultCode.Success, victimConnected.ResultCode);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Null(await fleet.Services.GetRequiredService<AlertStore>().FindAsync(forged.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task Mosquitto_RevokedDevice_RefusedAfterTheBrokerReadsTheNewList()
    {
        await using var fleet = await FleetApp.StartAsync(Settings());
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var revoked = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var kept = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var (before, beforeResult) = await revoked.ConnectAsync(_mosquitto.Port);
        before.Dispose();

        var revoke = await admin.PostAsync("/api/devices/pole-12/revoke", null);
        _mosquitto.Stop();
        _mosquitto.Start();

        Assert.Equal(MqttClientConnectResultCode.Success, beforeResult.ResultCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, revoke.StatusCode);
        using var refusedClient = new MqttClientFactory().CreateMqttClient();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await Assert.ThrowsAnyAsync<Exception>(() => refusedClient.ConnectAsync(revoked.Options(_mosquitto.Port), guard.Token));
        var (stillTrusted, keptResult) = await kept.ConnectAsync(_mosquitto.Port);
        using var _kept = stillTrusted;
        Assert.Equal(MqttClientConnectResultCode.Success, keptResult.ResultCode);
    }

    [Fact]
    public async Task Mosquitto_EnrolledDeviceWritesDesiredConfiguration_RefusedAndNotRetained()
    {
        await using var fleet = await FleetApp.StartAsync(Settings());
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var intruder = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var (client, _) = await intruder.ConnectAsync(_mosquitto.Port);
        using var _client = client;

        var other = await PublishRetainedAsync(client, Topics.ConfigDesired("pole-12"));
        var own = await PublishRetainedAsync(client, Topics.ConfigDesired("pole-13"));

        // Then the fleet publishes the genuine version 1 of each: a device subscribing afterwards gets the broker's retained
        // copy first, which is the fleet's (a retained forgery would have been replaced, so subscribe before it comes too).
        var now = ConfigSamples.NowToTheSecond();
        var authorisation = ConfigSamples.Authorisation("pole-12", now.AddDays(-1), now.AddDays(30));
        await ConfigTestClient.AuthoriseAsync(admin, authorisation with { Cameras = [.. authorisation.Cameras!, new Vsa.Edge.FleetManager.Authorisations.AuthorisedCamera("pole-13", "cam-1")] });

        var received = new System.Collections.Concurrent.ConcurrentQueue<long>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(DesiredSubscriber.Unwrap(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)).Version);
            first.TrySetResult();
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired("pole-13"), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await fleet.KnowDeviceAsync("pole-12");
        await ConfigTestClient.ReadConfigAsync(await ConfigTestClient.PutConfigAsync(admin, "pole-13", [ConfigSamples.Camera()]));
        await first.Task.WaitAsync(FleetApp.Timeout);
        await ConfigTestClient.ReadConfigAsync(await ConfigTestClient.PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
        await ConfigTestClient.WaitPublishedAsync(fleet, "pole-12", 1);
        using var victim = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var (victimClient, _) = await victim.ConnectAsync(_mosquitto.Port);
        using var _victim = victimClient;
        var retained = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        victimClient.ApplicationMessageReceivedAsync += e =>
        {
            retained.TrySetResult(DesiredSubscriber.Unwrap(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)).Version);
            return Task.CompletedTask;
        };
        await victimClient.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired("pole-12"), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, other.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, own.ReasonCode);
        Assert.Equal(1, await retained.Task.WaitAsync(FleetApp.Timeout));
        Assert.Equal([1L], received);
    }

    [Fact]
    public async Task Mosquitto_OversizedPacket_ConnectionClosed()
    {
        await using var fleet = await FleetApp.StartAsync(Settings());
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");

        // MQTT 3.1.1: no maximum packet size announced in the CONNACK, so the client really sends it and the broker decides.
        var options = device.Options(_mosquitto.Port);
        options.ProtocolVersion = MQTTnet.Formatter.MqttProtocolVersion.V311;
        using var client = new MqttClientFactory().CreateMqttClient();
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await client.ConnectAsync(options, guard.Token);
        var oversized = new MqttApplicationMessageBuilder().WithTopic(Topics.Events("pole-12")).WithPayload(new byte[BrokerOptions.DefaultMaxPacketSize + 1])
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build();

        await Assert.ThrowsAnyAsync<Exception>(() => client.PublishAsync(oversized, guard.Token));
        await disconnected.Task.WaitAsync(FleetApp.Timeout);
        var (again, result) = await device.ConnectAsync(_mosquitto.Port);
        using var _again = again;
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
    }

    private static async Task<MqttClientPublishResult> PublishRetainedAsync(IMqttClient client, string topic)
    {
        var forged = new System.Text.Json.Nodes.JsonObject { ["deviceId"] = Topics.DeviceIdOf(topic), ["version"] = 99 }.ToJsonString();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        return await client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(forged).WithRetainFlag().WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            guard.Token);
    }

    [Fact]
    public void Acl_PatternRules_MatchTheEmbeddedBrokersPolicy()
    {
        var acl = MosquittoConfiguration.Acl().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.Equal(
            [
                "user vsa-fleet.service", "topic readwrite vsa/v1/#",
                "pattern write vsa/v1/%u/alerts", "pattern write vsa/v1/%u/health", "pattern write vsa/v1/%u/status",
                "pattern write vsa/v1/%u/events", "pattern write vsa/v1/%u/config/reported", "pattern write vsa/v1/%u/certificate/request",
                "pattern write vsa/v1/%u/config/proposal",
                "pattern write vsa/v1/%u/installation/report",
                "pattern write vsa/v1/%u/model/reported",
                "pattern read vsa/v1/%u/config/desired", "pattern read vsa/v1/%u/suspension", "pattern read vsa/v1/%u/certificate/issued",
                "pattern read vsa/v1/%u/installation/acknowledged",
            ],
            acl);
        var conf = File.ReadAllText(Path.Combine(_brokerDirectory, "mosquitto.conf"));
        foreach (var line in new[] { "require_certificate true", "use_identity_as_username true", "allow_anonymous false", $"crlfile {_authority.CrlPath}", "acl_file ", "\nmax_packet_size 262144\n" })
        {
            Assert.Contains(line, conf, StringComparison.Ordinal);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_brokerDirectory, "server.key")));
    }

    public void Dispose()
    {
        _mosquitto.Dispose();
        _authority.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_trustDirectory, recursive: true);
        Directory.Delete(_brokerDirectory, recursive: true);
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Fleet:Broker:Mode"] = "External",
        ["Fleet:Broker:Host"] = _mosquitto.Host,
        ["Fleet:Broker:Port"] = _mosquitto.Port.ToString(CultureInfo.InvariantCulture),
        ["Fleet:Broker:UseTls"] = "true",
        ["Fleet:Broker:ClientId"] = $"fleet-{Guid.NewGuid():N}",
        ["Fleet:Broker:ReconnectMinDelay"] = "00:00:00.100",
        ["Fleet:Broker:ReconnectMaxDelay"] = "00:00:01",
        ["Fleet:Trust:Directory"] = _trustDirectory,
    };
}
