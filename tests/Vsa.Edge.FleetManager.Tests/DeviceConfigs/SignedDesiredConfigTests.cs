using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>
/// The fleet signs every desired configuration with its own desired-state key (not the CA's), gives the public key at
/// enrolment, and audits both the change (key id, hash of the signed payload) and each refusal a device reports, once.
/// </summary>
public sealed class SignedDesiredConfigTests
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task Publish_RetainedDesired_EnvelopeVerifiesWithTheKeyFromEnrolment()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var op = await fleet.ClientAsync(Role.Operator);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()], expectedVersion: 0));
        await WaitPublishedAsync(fleet, "pole-12", 1);

        var retained = await RetainedAsync(fleet, device);
        var key = Assert.Single(device.Response.SigningKeys);
        var verifier = new SignedMessageVerifier(SigningKeys.ReadPublicKeys(key.PublicKeyPem));
        var verifies = verifier.TryVerify(retained, DesiredConfigMessage.SchemaId, out var verified, out var error);
        var signingKey = await admin.GetFromJsonAsync("/api/trust/signing-key", FleetJsonContext.Default.SigningKeyView);
        var audit = await admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);
        var change = JsonNode.Parse(Assert.Single(audit!, e => e.Action == AuditActions.ConfigurationChanged).Details)!;
        var caKey = File.ReadAllText(Path.Combine(fleet.DataDirectory, "trust", "ca.key"));
        var signingKeyFile = Path.Combine(fleet.DataDirectory, "signing", "desired-state.key");

        Assert.True(verifies, error);
        Assert.Equal((1L, "pole-12"), (ClaimedVersion(verified!.Payload), JsonDocument.Parse(verified.Payload).RootElement.GetProperty("deviceId").GetString()));
        Assert.Equal((key.KeyId, "ES256"), (verified.KeyId, key.Algorithm));
        Assert.Equal(key, signingKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync("/api/trust/signing-key")).StatusCode);
        Assert.Equal((key.KeyId, verified.Sha256), ((string?)change["signingKeyId"], (string?)change["sha256"]));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(signingKeyFile));
        }

        Assert.NotEqual(caKey, File.ReadAllText(signingKeyFile));
        using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(device.Response.CaCertificatePem);
        Assert.NotEqual(SigningKeys.KeyId(ca.PublicKey.ExportSubjectPublicKeyInfo()), key.KeyId);
    }

    [Fact]
    public async Task Start_ConfiguredKeyPath_SignsWithThatKeyAndRefusesAMissingOne()
    {
        using var own = MessageSigner.CreateNew();
        var directory = Directory.CreateTempSubdirectory("vsa-signing-key-");
        try
        {
            var path = Path.Combine(directory.FullName, "elsewhere.key");
            File.WriteAllText(path, own.ExportPrivateKeyPem());
            await using (var fleet = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Trust:DesiredStateKeyPath"] = path }))
            {
                using var admin = await fleet.ClientAsync(Role.Admin);
                var view = await admin.GetFromJsonAsync("/api/trust/signing-key", FleetJsonContext.Default.SigningKeyView);
                Assert.Equal(own.KeyId, view!.KeyId);
                Assert.False(File.Exists(Path.Combine(fleet.DataDirectory, "signing", "desired-state.key")));
            }

            var missing = Path.Combine(directory.FullName, "missing.key");
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Trust:DesiredStateKeyPath"] = missing }));
            Assert.Contains("missing.key", Flatten(refused), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Ingest_RefusalReports_OneAuditEntryPerRefusedMessageAndDriftSaysWhy()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        const string Forged = "signature does not verify with a trusted key (key id 00ff is not trusted; trusted: ab12)";
        var first = new string('1', 64);
        var refused = ConfigSamples.Reported("pole-12", Now.AddSeconds(1), applied: 1, ConfigApplyStatus.Rejected, received: 1, [Forged]) with { RejectedSha256 = first };

        await ReportAsync(fleet, device, refused, d => d.Config!.Status == ConfigApplyStatus.Rejected);
        await ReportAsync(fleet, device, refused with { At = Now.AddSeconds(2) }, d => d.Config!.Status == ConfigApplyStatus.Rejected);
        await ReportAsync(fleet, device, refused with { At = Now.AddSeconds(3), RejectedSha256 = new string('2', 64) }, d => d.Config!.Status == ConfigApplyStatus.Rejected);
        var view = await GetConfigAsync(admin, "pole-12");
        var audit = await admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);
        var refusals = audit!.Where(e => e.Action == ConfigAuditActions.Refused).Select(e => JsonNode.Parse(e.Details)!).ToList();

        Assert.Equal([first, new string('2', 64)], refusals.Select(r => (string?)r["sha256"]).Order(StringComparer.Ordinal));
        Assert.Equal(Forged, (string?)refusals[0]["errors"]![0]);
        Assert.Contains($"rejected version 1: {Forged}", view.DriftReasons);
        Assert.All(audit!.Where(e => e.Action == ConfigAuditActions.Refused), e => Assert.Equal(("device:pole-12", "device:pole-12"), (e.Actor, e.Target)));
    }

    private static long ClaimedVersion(byte[] payload) => JsonDocument.Parse(payload).RootElement.GetProperty("version").GetInt64();

    private static string Flatten(Exception ex) => ex.InnerException is null ? ex.Message : $"{ex.Message} {Flatten(ex.InnerException)}";

    // The retained copy, as a device connecting now receives it: the exact bytes.
    private static async Task<byte[]> RetainedAsync(FleetApp fleet, TrustedDevice device)
    {
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MQTTnet.MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.TrySetResult(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await client.ConnectAsync(device.Options(fleet.TlsPort), guard.Token);
        await client.SubscribeAsync(new MQTTnet.MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(device.DeviceId), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), guard.Token);
        var payload = await received.Task.WaitAsync(guard.Token);
        await client.DisconnectAsync(new MQTTnet.MqttClientDisconnectOptionsBuilder().Build(), guard.Token);
        return payload;
    }

    private static async Task ReportAsync(FleetApp fleet, TestDevice device, ReportedConfigMessage report, Func<DeviceView, bool> condition)
    {
        using var tap = fleet.Tap();
        await device.PublishRawAsync(Topics.ConfigReported(device.DeviceId), JsonSerializer.Serialize(report, ContractsJsonContext.Default.ReportedConfigMessage), retain: true);
        await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.DeviceId == device.DeviceId && d.Config?.AppliedVersion is not null && condition(d));
    }
}
