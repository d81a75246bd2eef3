using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Trust;
using Xunit.Abstractions;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>
/// Device certificate renewal over the embedded broker's mutual-TLS endpoint, without an enrolment token: the device asks
/// with its current certificate, gets a signed answer with a certificate for its new key, reconnects with it, says so, and its
/// old certificate is revoked. Refusals (revoked, expired) and the certificate watch run on a fake clock.
/// </summary>
public sealed class CertificateRenewalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Renew_OverMutualTls_NewKeyCertifiedOldRevokedAfterSwitch()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-21");
        var renewal = fleet.Services.GetRequiredService<CertificateRenewalService>();
        await renewal.Subscribed.WaitAsync(FleetApp.Timeout);
        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            answer.TrySetResult(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await client.SubscribeAsync(Topics.CertificateIssued(device.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce, guard.Token);

        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var started = Stopwatch.GetTimestamp();
        await PublishAsync(client, Request(device, CertificateRequestKind.Renew, device.Certificate.SerialNumber, TrustedDevice.Csr($"CN={device.DeviceId}", newKey)));
        var envelope = await answer.Task.WaitAsync(FleetApp.Timeout);
        var renewalTime = Stopwatch.GetElapsedTime(started);

        var verifier = new SignedMessageVerifier([fleet.Services.GetRequiredService<DesiredStateSigningKey>().Signer.SubjectPublicKeyInfo]);
        Assert.True(verifier.TryVerify(envelope, CertificateIssuedMessage.SchemaId, out var verified, out var error), error);
        var issued = JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.CertificateIssuedMessage)!;
        Assert.Null(issued.Refusal);
        using var renewed = X509Certificate2.CreateFromPem(issued.CertificatePem!).CopyWithPrivateKey(newKey);
        Assert.Equal(device.DeviceId, renewed.GetNameInfo(X509NameType.SimpleName, false));
        Assert.NotEqual(device.Certificate.SerialNumber, renewed.SerialNumber);

        // The new identity connects; once it says so, the old one is revoked and refused.
        var (next, connected) = await ConnectAsync(fleet, device, renewed);
        using var _next = next;
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await PublishAsync(next, Request(device, CertificateRequestKind.Switched, renewed.SerialNumber, null));
        await renewal.WhenSwitched(device.DeviceId).WaitAsync(FleetApp.Timeout);
        var store = fleet.Services.GetRequiredService<EnrolmentStore>();
        Assert.False(await store.IsActiveAsync(device.DeviceId, device.Certificate.SerialNumber, CancellationToken.None));
        Assert.True(await store.IsActiveAsync(device.DeviceId, renewed.SerialNumber, CancellationToken.None));
        var (old, refused) = await ConnectAsync(fleet, device, device.Certificate);
        old.Dispose();
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
        Assert.True(ListedInCrl(fleet, device.Certificate.SerialNumber), "the old certificate is not in the revocation list");

        using var auditor = await fleet.ClientAsync(Role.Auditor);
        var audit = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync(auditor, "/api/audit", Vsa.Edge.FleetManager.Api.FleetJsonContext.Default.IReadOnlyListAuditEntry);
        Assert.Contains(audit!, e => e.Action == CertificateRenewalStore.RenewedAction && e.Target == $"device:{device.DeviceId}");
        Assert.Contains(audit!, e => e.Action == CertificateRenewalStore.SwitchedAction);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"renewal time (request published -> signed certificate received): {renewalTime.TotalMilliseconds:F0} ms"));
    }

    [Fact]
    public async Task Renew_RevokedExpiredOrForeignCertificate_Refused()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var revoked = await TrustedDevice.EnrolAsync(fleet, admin, "pole-22");
        using var expiring = await TrustedDevice.EnrolAsync(fleet, admin, "pole-23");
        await fleet.Services.GetRequiredService<DeviceRevocation>().RevokeAsync("test", revoked.DeviceId, "stolen", CancellationToken.None);
        var time = new FakeTimeProvider(new DateTimeOffset(expiring.Certificate.NotAfter.ToUniversalTime()).AddMinutes(1));
        var store = new CertificateRenewalStore(
            fleet.Services.GetRequiredService<FleetDatabase>(), fleet.Services.GetRequiredService<IAuditLog>(), fleet.Services.GetRequiredService<FleetCertificateAuthority>(), time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var (revokedRefusal, revokedIssued) = await store.RenewAsync(revoked.DeviceId, revoked.Certificate.SerialNumber, Csr(revoked.DeviceId, key), CancellationToken.None);
        var (expiredRefusal, expiredIssued) = await store.RenewAsync(expiring.DeviceId, expiring.Certificate.SerialNumber, Csr(expiring.DeviceId, key), CancellationToken.None);
        var (otherRefusal, _) = await store.RenewAsync(expiring.DeviceId, revoked.Certificate.SerialNumber, Csr(expiring.DeviceId, key), CancellationToken.None);

        Assert.Equal((RenewalRefusal.Revoked, (IssuedCertificate?)null), (revokedRefusal, revokedIssued));
        Assert.Equal((RenewalRefusal.Expired, (IssuedCertificate?)null), (expiredRefusal, expiredIssued));
        Assert.Equal(RenewalRefusal.UnknownCertificate, otherRefusal);
    }

    [Fact]
    public async Task Watch_FakeClock_ExpiringSoonThenRenewalMissed()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-24");
        var notBefore = new DateTimeOffset(device.Certificate.NotBefore.ToUniversalTime());
        var lifetime = new DateTimeOffset(device.Certificate.NotAfter.ToUniversalTime()) - notBefore;
        var time = new FakeTimeProvider(notBefore + (lifetime * 0.1));
        var watch = new CertificateWatch(
            fleet.Services.GetRequiredService<FleetDatabase>(), fleet.Services.GetRequiredService<FleetCertificateAuthority>(),
            Options.Create(new TrustOptions { ExpiryWarning = lifetime * 0.4, RenewalMissedAfter = 0.75 }), time, NullLogger<CertificateWatch>.Instance);

        var early = await watch.ReportAsync(CancellationToken.None);
        time.SetUtcNow(notBefore + (lifetime * 0.7));
        var soon = await watch.ReportAsync(CancellationToken.None);
        time.SetUtcNow(notBefore + (lifetime * 0.8));
        var missed = await watch.ReportAsync(CancellationToken.None);

        Assert.DoesNotContain(early.Attention, c => c.DeviceId == device.DeviceId);
        Assert.Equal(CertificateState.ExpiringSoon, Assert.Single(soon.Attention, c => c.DeviceId == device.DeviceId).State);
        Assert.Equal(CertificateState.RenewalMissed, Assert.Single(missed.Attention, c => c.DeviceId == device.DeviceId).State);
        // The service certificate (30 days, issued at start) would be long expired by then: what the watch warns about.
        Assert.True(missed.CaNotAfter > missed.At);
        Assert.True(missed.ServiceNotAfter < missed.At);
    }

    private static DeviceCsr Csr(string deviceId, ECDsa key)
    {
        Assert.True(DeviceCsr.TryParse(TrustedDevice.Csr($"CN={deviceId}", key), out var csr, out var error), error);
        return csr;
    }

    private static CertificateRequestMessage Request(TrustedDevice device, CertificateRequestKind kind, string serial, string? csrPem) =>
        new(CertificateRequestMessage.SchemaId, CertificateRequestMessage.CurrentVersion, device.DeviceId, Guid.NewGuid().ToString("N"), kind, serial, csrPem, DateTimeOffset.UtcNow);

    private static async Task PublishAsync(IMqttClient client, CertificateRequestMessage request)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var ack = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.CertificateRequest(request.DeviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(request, ContractsJsonContext.Default.CertificateRequestMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), guard.Token);
        Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);
    }

    private static async Task<(IMqttClient Client, MqttClientConnectResult Result)> ConnectAsync(FleetApp fleet, TrustedDevice device, X509Certificate2 certificate)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        return (client, await client.ConnectAsync(TrustedDevice.TlsOptions(fleet.TlsPort, device.DeviceId, certificate, device.Ca), guard.Token));
    }

    private static bool ListedInCrl(FleetApp fleet, string serial)
    {
        // The revocation list (DER inside the PEM) holds each revoked serial's bytes.
        var pem = File.ReadAllText(fleet.Services.GetRequiredService<FleetCertificateAuthority>().CrlPath);
        var der = Convert.FromBase64String(pem[PemEncoding.Find(pem).Base64Data]);
        return der.AsSpan().IndexOf(Convert.FromHexString(serial)) >= 0;
    }
}
