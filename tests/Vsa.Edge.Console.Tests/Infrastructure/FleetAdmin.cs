using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>
/// An administrator's HTTP client on the console host's real port (API token), for what the console shows but does not
/// do: enrol a device on a site, record an authorisation, set a desired configuration.
/// </summary>
public sealed class FleetAdmin : IDisposable
{
    private readonly HttpClient _http;

    private FleetAdmin(HttpClient http) => _http = http;

    /// <summary>Creates an administrator account with an API token and a client carrying it.</summary>
    public static async Task<FleetAdmin> CreateAsync(ConsoleHost host)
    {
        var name = await host.CreateAccountAsync(Role.Admin, $"admin-{Guid.NewGuid():N}"[..20]);
        var account = (await host.Services.GetRequiredService<AccountStore>().FindAsync(name, CancellationToken.None))!.View;
        var token = await host.Services.GetRequiredService<ApiTokenStore>().CreateAsync(account, "console-test", TimeSpan.FromDays(1), CancellationToken.None);
        var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = ConsoleHost.Timeout };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
        return new FleetAdmin(http);
    }

    /// <summary>Enrols <paramref name="deviceId"/> on <paramref name="site"/> as the agent does: token, then a CSR with CN = the id.</summary>
    public async Task EnrolAsync(string deviceId, string site)
    {
        var created = await _http.PostAsJsonAsync("api/enrolment-tokens", new EnrolmentTokenRequest(site, null), FleetJsonContext.Default.EnrolmentTokenRequest);
        await EnsureAsync(created);
        var token = (await created.Content.ReadFromJsonAsync(FleetJsonContext.Default.CreatedEnrolmentToken))!;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest($"CN={deviceId}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        await EnsureAsync(await _http.PostAsJsonAsync("api/enrol", new EnrolmentRequest(token.Token, csr), FleetJsonContext.Default.EnrolmentRequest));
    }

    /// <summary>Records an arrêté authorising <paramref name="events"/> on one camera, valid from yesterday for 30 days; returns its reference.</summary>
    public async Task<string> AuthoriseAsync(string deviceId, string cameraId, params string[] events)
    {
        var now = DateTimeOffset.UtcNow;
        var request = new AuthorisationRequest(
            $"2026-DPG-{Guid.NewGuid().ToString("N")[..6]}", "Police municipale", events, [new AuthorisedCamera(deviceId, cameraId)], now.AddDays(-1), now.AddDays(30));
        await EnsureAsync(await _http.PostAsJsonAsync("api/authorisations", request, FleetJsonContext.Default.AuthorisationRequest));
        return request.Reference!;
    }

    /// <summary>A GET as the administrator.</summary>
    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary><c>PUT /api/devices/{deviceId}/config</c> with camera documents in the agent's format; returns the new version.</summary>
    public async Task<long> PutConfigAsync(string deviceId, params string[] cameras)
    {
        var documents = cameras.Select(c => JsonDocument.Parse(c).RootElement.Clone()).ToList();
        var response = await _http.PutAsJsonAsync($"api/devices/{deviceId}/config", new DesiredConfigRequest(documents, null), FleetJsonContext.Default.DesiredConfigRequest);
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.DeviceConfigView))!.Desired!.Version;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static async Task EnsureAsync(HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
}
