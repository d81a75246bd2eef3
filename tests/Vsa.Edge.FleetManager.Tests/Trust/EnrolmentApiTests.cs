using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>Enrolment tokens and enrolment by CSR through the HTTP API, on the real fleet manager.</summary>
public sealed class EnrolmentApiTests
{
    [Fact]
    public async Task Enrol_ValidTokenAndCsr_ReturnsDeviceCertificateFromTheFleetCa()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin, site: "Marseille Vieux-Port");

        using var device = await TrustedDevice.EnrolAsync(fleet.Http, token.Token, "pole-12");

        Assert.Equal("pole-12", device.Certificate.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Contains("OU=Marseille Vieux-Port", device.Certificate.Subject, StringComparison.Ordinal);
        var eku = Assert.Single(device.Certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(FleetCertificateAuthority.ClientAuthOid, Assert.Single(eku.EnhancedKeyUsages.Cast<Oid>()).Value);
        Assert.True(fleet.Services.GetRequiredService<FleetCertificateAuthority>().Verifies(device.Certificate, FleetCertificateAuthority.ClientAuthOid));
        Assert.Equal(fleet.TlsPort, device.Response.Mqtt.Port);
        Assert.Equal("Marseille Vieux-Port", device.Response.Site);
        var audit = await fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 100, CancellationToken.None);
        Assert.Contains(audit, e => e.Action == TrustAuditActions.TokenCreated && e.Target == $"enrolment-token:{token.Id}" && e.Actor.StartsWith("admin-", StringComparison.Ordinal));
        var enrol = Assert.Single(audit, e => e.Action == AuditActions.DeviceEnrolled);
        Assert.Equal("device:pole-12", enrol.Target);
        Assert.Equal(device.Certificate.SerialNumber, JsonNode.Parse(enrol.Details)!["serial"]!.GetValue<string>());
        Assert.DoesNotContain(audit, e => e.Details.Contains(token.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enrol_TokenUsedTwice_SecondIsRefusedAndListedAsUsed()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var first = await TrustedDevice.EnrolAsync(fleet.Http, token.Token, "pole-12");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var second = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=pole-13", key));
        var listed = await admin.GetFromJsonAsync("/api/enrolment-tokens", FleetJsonContext.Default.IReadOnlyListEnrolmentTokenView);

        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
        Assert.Contains("already used", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var view = Assert.Single(listed!);
        Assert.Equal("pole-12", view.UsedBy);
        Assert.NotNull(view.UsedAt);
        Assert.DoesNotContain(token.Token, await admin.GetStringAsync("/api/enrolment-tokens"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrol_TokenExpired_IsRefused()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fleet = await FleetApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin, validFor: TimeSpan.FromHours(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var response = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=pole-12", key));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("expired", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrol_JustBeforeExpiry_IsAccepted()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fleet = await FleetApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin, validFor: TimeSpan.FromHours(1));

        clock.Advance(TimeSpan.FromMinutes(59));
        using var device = await TrustedDevice.EnrolAsync(fleet.Http, token.Token, "pole-12");

        Assert.Equal("pole-12", device.Response.DeviceId);
    }

    [Theory]
    [InlineData("CN=Pole_12", "not a valid device id")]
    [InlineData("CN=ab", "not a valid device id")]
    [InlineData("O=Nice", "exactly one CN")]
    public async Task Enrol_CsrWithBadSubject_Returns400ProblemAndKeepsTheToken(string subject, string expected)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var response = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr(subject, key));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var retry = await TrustedDevice.EnrolAsync(fleet.Http, token.Token, "pole-12");
    }

    [Theory]
    [InlineData("rsa1024", "1024 bits")]
    [InlineData("p521", "curve")]
    public async Task Enrol_WeakOrUnacceptedKey_Returns400Problem(string kind, string expected)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using AsymmetricAlgorithm key = kind == "rsa1024" ? RSA.Create(1024) : ECDsa.Create(ECCurve.NamedCurves.nistP521);

        var response = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=pole-12", key));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrol_CsrNotSignedByItsKey_Returns400()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = TrustedDevice.Csr("CN=pole-12", key);
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        der[^3] ^= 0x01; // flips a bit of the signature
        var tampered = PemEncoding.WriteString("CERTIFICATE REQUEST", der);

        var response = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, tampered);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a valid signed PKCS #10 request", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enrol_DeviceAlreadyEnrolled_Returns409AndKeepsTheToken()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var first = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var again = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=pole-12", key));

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already has an active certificate", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var revoke = await admin.PostAsync("/api/devices/pole-12/revoke", null);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        using var reenrolled = await TrustedDevice.EnrolAsync(fleet.Http, token.Token, "pole-12");
    }

    [Fact]
    public async Task Enrol_UnknownTokenOrReservedId_IsRefused()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var unknown = await TrustedDevice.PostEnrolAsync(fleet.Http, "vsa_enrol_guessed", TrustedDevice.Csr("CN=pole-12", key));
        var reserved = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=vsa-fleet", key));

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, reserved.StatusCode);
        Assert.Contains("fleet's own MQTT client ids", await reserved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteToken_Unused_IsWithdrawnAndAudited()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        var token = await TrustedDevice.CreateTokenAsync(admin);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var delete = await admin.DeleteAsync($"/api/enrolment-tokens/{token.Id}");
        var again = await admin.DeleteAsync($"/api/enrolment-tokens/{token.Id}");
        var enrol = await TrustedDevice.PostEnrolAsync(fleet.Http, token.Token, TrustedDevice.Csr("CN=pole-12", key));

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, enrol.StatusCode);
        Assert.Contains("withdrawn", await enrol.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var audit = await fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 100, CancellationToken.None);
        Assert.Single(audit, e => e.Action == TrustAuditActions.TokenRevoked && e.Target == $"enrolment-token:{token.Id}");
    }

    [Theory]
    [InlineData(Role.Operator)]
    [InlineData(Role.Auditor)]
    public async Task TokenAndRevocationEndpoints_NotAdmin_Return403(Role role)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var client = await fleet.ClientAsync(role);

        var create = await client.PostAsJsonAsync("/api/enrolment-tokens", new EnrolmentTokenRequest("site", null), FleetJsonContext.Default.EnrolmentTokenRequest);
        var list = await client.GetAsync("/api/enrolment-tokens");
        var revoke = await client.PostAsync("/api/devices/pole-12/revoke", null);
        var anonymous = await fleet.Http.PostAsJsonAsync("/api/enrolment-tokens", new EnrolmentTokenRequest("site", null), FleetJsonContext.Default.EnrolmentTokenRequest);

        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Theory]
    [InlineData("", "01:00:00", "site")]
    [InlineData("Nice", "8.00:00:00", "validFor")]
    [InlineData("Nice", "-00:01:00", "validFor")]
    public async Task CreateToken_Invalid_Returns400NamingTheField(string site, string validFor, string field)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);

        var response = await admin.PostAsJsonAsync("/api/enrolment-tokens", new EnrolmentTokenRequest(site, TimeSpan.Parse(validFor, System.Globalization.CultureInfo.InvariantCulture)), FleetJsonContext.Default.EnrolmentTokenRequest);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(problem["errors"]![field]);
    }
}
