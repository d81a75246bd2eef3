using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>
/// The embedded broker's mutual-TLS endpoint with devices enrolled through the API: what a device may do, what it may not
/// (impersonate another device, read another's configuration), and revocation.
/// </summary>
public sealed class BrokerTrustTests
{
    [Fact]
    public async Task EnrolledDevice_ConnectsOverMutualTls_AlertIsIngested()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");

        var (client, connected) = await device.ConnectAsync(fleet.TlsPort);
        using (client)
        {
            var alert = Samples.AlertStart("pole-12");
            var ack = await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), alert);
            var stored = await fleet.WaitForAlertAsync(alert.AlertId);

            Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
            Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
            Assert.Equal("pole-12", stored.DeviceId);
        }
    }

    [Fact]
    public async Task Impersonation_DevicePublishesToAnotherDevicesTopic_RefusedAndNotStored()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var victim = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var intruder = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var (client, _) = await intruder.ConnectAsync(fleet.TlsPort);
        using var _client = client;

        var forged = Samples.AlertStart("pole-12");
        var refused = await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), forged);
        var refusedStatus = await TrustedDevice.PublishAsync(client, Topics.Status("pole-12"), forged);
        var refusedOutside = await TrustedDevice.PublishAsync(client, "elsewhere/pole-13", forged);

        // The intruder's own alert, published after the forged one on the same connection, is ingested in order: once it
        // is stored, the forged one would have been too.
        var own = Samples.AlertStart("pole-13");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-13"), own)).ReasonCode);
        await fleet.WaitForAlertAsync(own.AlertId);

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refusedStatus.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, refusedOutside.ReasonCode);
        Assert.Null(await fleet.Services.GetRequiredService<AlertStore>().FindAsync(forged.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task Impersonation_ClientIdOfAnotherDevice_ConnectionRefused()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var victim = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var intruder = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");

        var (client, result) = await intruder.ConnectAsync(fleet.TlsPort, clientId: "pole-12");
        using var _ = client;

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task Subscribe_AnotherDevicesConfiguration_Refused_OwnGranted()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var a = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var b = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var (client, _) = await b.ConnectAsync(fleet.TlsPort);
        using var _client = client;

        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.ConfigDesired("pole-12"), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("vsa/v1/+/config/desired", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("vsa/v1/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topics.ConfigDesired("pole-13"), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), guard.Token);

        var codes = result.Items.Select(i => i.ResultCode).ToList();
        Assert.Equal(
            [MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.GrantedQoS1],
            codes);
    }

    [Fact]
    public async Task Revoke_ConnectedDevice_IsDisconnectedRefusedAtReconnectAndAudited()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var dropped = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e =>
        {
            dropped.TrySetResult(e);
            return Task.CompletedTask;
        };

        using var live = fleet.Tap();
        var revoke = await admin.PostAsync("/api/devices/pole-12/revoke", System.Net.Http.Json.JsonContent.Create(new RevocationRequest("stolen pole"), Vsa.Edge.FleetManager.Api.FleetJsonContext.Default.RevocationRequest));
        var disconnect = await dropped.Task.WaitAsync(FleetApp.Timeout);

        // The broker publishes the closed connection's last will: the registry shows the revoked device offline.
        await live.WaitForAsync(Vsa.Edge.FleetManager.Live.LiveEventTypes.Device, Vsa.Edge.FleetManager.Api.FleetJsonContext.Default.DeviceView, d => d.DeviceId == "pole-12" && d.Status == DeviceState.Offline);
        var (again, result) = await device.ConnectAsync(fleet.TlsPort);
        using var _again = again;

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, disconnect.Reason);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        var audit = await fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 100, CancellationToken.None);
        var entry = Assert.Single(audit, e => e.Action == AuditActions.DeviceRevoked);
        Assert.Equal("device:pole-12", entry.Target);
        Assert.Contains("stolen pole", entry.Details, StringComparison.Ordinal);
        Assert.Contains(device.Certificate.SerialNumber, entry.Details, StringComparison.Ordinal);
        var crl = fleet.Services.GetRequiredService<FleetCertificateAuthority>().CrlPath;
        var revoked = CertificateRevocationListBuilder.Load(PemDer(await File.ReadAllTextAsync(crl)), out _);
        Assert.True(revoked.RemoveEntry(device.Certificate.SerialNumberBytes.Span));
    }

    [Fact]
    public async Task Revoke_UnknownDevice_Returns404()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);

        var revoke = await admin.PostAsync("/api/devices/nobody/revoke", null);

        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
    }

    [Fact]
    public async Task Handshake_NoCertificateOrForeignCa_Refused()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new CertificateRequest("CN=pole-12", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        foreach (var certificate in new X509Certificate2?[] { null, selfSigned })
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            using var guard = new CancellationTokenSource(FleetApp.Timeout);
            var options = TrustedDevice.TlsOptions(fleet.TlsPort, "pole-12", certificate, device.Ca);
            await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(options, guard.Token));
            Assert.False(client.IsConnected);
        }
    }

    [Fact]
    public async Task RequireClientCertificates_PlainPortClosed_IngestionUsesItsServiceCertificate()
    {
        await using var fleet = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Broker:RequireClientCertificates"] = "true" });
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");

        await Assert.ThrowsAnyAsync<Exception>(() => TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12"));
        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var alert = Samples.AlertStart("pole-12");
        await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), alert);

        Assert.Equal("pole-12", (await fleet.WaitForAlertAsync(alert.AlertId)).DeviceId);
        Assert.True(fleet.Ingestion.Current.Subscribed);
    }

    [Fact]
    public async Task RequireClientCertificates_DesiredConfiguration_ReachesTheDeviceOverMutualTls()
    {
        await using var fleet = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Broker:RequireClientCertificates"] = "true" });
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var now = DeviceConfigs.ConfigSamples.NowToTheSecond();
        await DeviceConfigs.ConfigTestClient.AuthoriseAsync(admin, DeviceConfigs.ConfigSamples.Authorisation("pole-12", now.AddDays(-1), now.AddDays(30)));
        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var received = new TaskCompletionSource<DesiredConfigMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(DeviceConfigs.DesiredSubscriber.Unwrap(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired("pole-12"), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);

        // The publisher, like the ingestion, has to use the fleet's service certificate: the plain port is closed.
        var put = await DeviceConfigs.ConfigTestClient.PutConfigAsync(admin, "pole-12", [DeviceConfigs.ConfigSamples.Camera()]);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var desired = await received.Task.WaitAsync(FleetApp.Timeout);

        Assert.Equal("pole-12", desired.DeviceId);
        Assert.Equal(1, desired.Version);
    }

    [Fact]
    public async Task Enrol_ConfigPublisherClientId_IsReserved()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

        var reserved = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=vsa-fleet-config", key));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, reserved.StatusCode);
    }

    private static byte[] PemDer(string pem) =>
        Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal))));
}
