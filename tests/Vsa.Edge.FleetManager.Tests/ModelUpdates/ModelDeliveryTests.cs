using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.ModelUpdates;

/// <summary>
/// The device download endpoint over real HTTPS with client certificates from real enrolments: no certificate, no TLS session;
/// another device's certificate: 404 (the package is not in its desired state); the right one: the exact bytes, and a Range
/// request resumes (206); a revoked certificate: refused.
/// </summary>
public sealed class ModelDeliveryTests(ModelPackageSamples packages) : IClassFixture<ModelPackageSamples>
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task Download_ByCertificate_OnlyTheAssignedDeviceGetsItAndRangeResumes()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings(), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var assigned = await ConfiguredDeviceAsync(fleet, admin, "pole-a");
        using var other = await ConfiguredDeviceAsync(fleet, admin, "pole-b", "2026-DPG-0413");
        var v1 = packages.Write("1.0.0");
        var stored = await ModelApi.UploadOkAsync(admin, v1);
        var assignment = await admin.PutAsJsonAsync("/api/devices/pole-a/model", new ModelAssignmentRequest(stored.Sha256), ModelJsonContext.Default.ModelAssignmentRequest);
        Assert.True(assignment.IsSuccessStatusCode, await assignment.Content.ReadAsStringAsync());
        var models = (await admin.GetFromJsonAsync("/api/devices/pole-a/models", ModelJsonContext.Default.DeviceModelsView))!;
        var url = Assert.Single(models.Desired).Url;
        var bytes = File.ReadAllBytes(v1);

        using var anonymous = Client(null, assigned.Ca);
        using var asOther = Client(other.Certificate, other.Ca);
        using var asAssigned = Client(assigned.Certificate, assigned.Ca);
        var noCertificate = await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.GetAsync(url));
        var otherDevice = await asOther.GetAsync(url);
        var unknown = await asAssigned.GetAsync(url[..^64] + new string('0', 64));
        var whole = await asAssigned.GetAsync(url);
        using var resume = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(1_000_000, null) } };
        var partial = await asAssigned.SendAsync(resume);

        Assert.StartsWith($"https://localhost:{fleet.Services.GetRequiredService<ModelDeliveryUrls>().BoundPort}/device/v1/models/", url, StringComparison.Ordinal);
        Assert.NotNull(noCertificate);
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (otherDevice.StatusCode, unknown.StatusCode));
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(bytes, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal((1_000_000L, bytes.Length - 1L, (long?)bytes.Length), (partial.Content.Headers.ContentRange!.From!.Value, partial.Content.Headers.ContentRange.To!.Value, partial.Content.Headers.ContentRange.Length));
        Assert.Equal(bytes[1_000_000..], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes", Assert.Single(whole.Headers.AcceptRanges));

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/devices/pole-a/revoke", null)).StatusCode);
        using var afterRevocation = Client(assigned.Certificate, assigned.Ca);
        Assert.Equal(HttpStatusCode.Forbidden, (await afterRevocation.GetAsync(url)).StatusCode);
    }

    /// <summary>Enrols <paramref name="deviceId"/>, authorises intrusion on its cam-1 and gives it a desired configuration.</summary>
    internal static async Task<TrustedDevice> ConfiguredDeviceAsync(FleetApp fleet, HttpClient admin, string deviceId, string reference = "2026-DPG-0412", string eventType = "intrusion")
    {
        var device = await TrustedDevice.EnrolAsync(fleet, admin, deviceId);
        await AuthoriseAsync(admin, ConfigSamples.Authorisation(deviceId, Now.AddDays(-1), Now.AddDays(30), reference, eventType));
        await ReadConfigAsync(await PutConfigAsync(admin, deviceId, [ConfigSamples.Camera(eventType: eventType)], expectedVersion: 0));
        return device;
    }

    /// <summary>An HTTPS client presenting <paramref name="certificate"/> (or none) and trusting only the fleet CA.</summary>
    internal static HttpClient Client(X509Certificate2? certificate, X509Certificate2 ca)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, server, _, _) => server is not null && TrustedDevice.VerifiesServer(server, ca);
        if (certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [certificate];
        }

        return new HttpClient(handler) { Timeout = FleetApp.Timeout };
    }
}
