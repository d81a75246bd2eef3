using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Setup;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Setup;

/// <summary>The set-up page's web server on a loopback port, over its own HTTPS, without the live pipeline running.</summary>
public sealed class SetupServerTests
{
    private static readonly CameraConfig Camera = CameraConfigLoader.Parse("""{ "cameraId": "vtest", "source": "vtest.avi", "zones": [], "events": [] }""");

    [Fact]
    public async Task Routes_BeforeSignIn_OnlyTheFormAnswersAndTheCookieIsStrict()
    {
        var manifest = ModelManifestLoader.Load(TestAssets.NanoDetManifest, verifyModelFile: false);
        var view = new LiveView(Camera, manifest);
        var draft = new SetupDraft(Camera, manifest, "setup");
        var applied = new List<CameraConfig>();
        var access = new SetupAccess("1234-5678");
        var arguments = new SetupArguments("camera.json", Source: null, Bind: "localhost", Port: 0, Out: null, AgentPaths.DefaultDataDirectory, AgentPaths.DefaultModelDirectory, ["CPU"], DeviceId: "setup");
        using var certificate = SetupCertificate.Create([IPAddress.Loopback], "pole", DateTimeOffset.UtcNow);
        await using var server = new SetupServer(arguments, [IPAddress.Loopback], certificate, access, draft, view, applied.Add, TimeProvider.System, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        string? seen = null;
        using var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen = Convert.ToHexString(cert!.GetCertHash(HashAlgorithmName.SHA256));
                return true;
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = server.Addresses[0] };

        foreach (var path in new[] { "/api/state", "/api/live", "/api/frame?seq=1", "/setup.js", "/setup.css", "/nothing" })
        {
            using var refused = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("no-store", refused.Headers.CacheControl?.ToString());
        }

        using var form = await http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Contains("id=\"login\"", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", form.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(SetupCertificate.Fingerprint(certificate).Replace(":", string.Empty, StringComparison.Ordinal), seen);

        using var wrong = await http.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent([new("code", "0000-0000")]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("Encore 4 essai", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var right = await http.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent([new("code", "1234-5678")]));
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        var cookie = right.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var state = new HttpRequestMessage(HttpMethod.Get, "/api/state");
        state.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var signedIn = await http.SendAsync(state);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Contains("\"cameraId\":\"vtest\"", await signedIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var edit = new HttpRequestMessage(HttpMethod.Put, "/api/draft")
        {
            Content = new StringContent("""{ "zones": [ { "id": "z", "polygon": [[0.1,0.1],[0.5,0.1],[0.5,0.5]] } ], "events": [] }""", System.Text.Encoding.UTF8, "application/json"),
        };
        edit.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var accepted = await http.SendAsync(edit);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("z", Assert.Single(Assert.Single(applied).Zones).Id);

        using var plain = new HttpRequestMessage(HttpMethod.Put, "/api/draft") { Content = new StringContent("{}") };
        plain.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var refusedForm = await http.SendAsync(plain);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refusedForm.StatusCode);
    }
}
