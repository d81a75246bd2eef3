using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Setup;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Setup;

/// <summary>An ended set-up session no longer opens the API and the page says why.</summary>
public sealed class SetupServerSessionTests
{
    [Fact]
    public async Task Guard_SessionIdlePastTheTimeout_RefusedAndTheFormSaysItEnded()
    {
        var camera = CameraConfigLoader.Parse("""{ "cameraId": "vtest", "source": "vtest.avi", "zones": [], "events": [] }""");
        var manifest = ModelManifestLoader.Load(TestAssets.NanoDetManifest, verifyModelFile: false);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var access = new SetupAccess("1234-5678", time);
        var arguments = new SetupArguments("camera.json", Source: null, Bind: "localhost", Port: 0, Out: null, AgentPaths.DefaultDataDirectory, AgentPaths.DefaultModelDirectory, ["CPU"], DeviceId: "setup");
        using var certificate = SetupCertificate.Create([IPAddress.Loopback], "pole", DateTimeOffset.UtcNow);
        await using var server = new SetupServer(arguments, [IPAddress.Loopback], certificate, access, new SetupDraft(camera, manifest, "setup"), new LiveView(camera, manifest), _ => { }, time, NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { BaseAddress = server.Addresses[0] };
        using var right = await http.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent([new("code", "1234-5678")]));
        var cookie = right.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("max-age=28800", cookie, StringComparison.OrdinalIgnoreCase);

        time.Advance(SetupAccess.IdleTimeout);
        using var state = new HttpRequestMessage(HttpMethod.Get, "/api/state");
        state.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var refused = await http.SendAsync(state);
        using var page = new HttpRequestMessage(HttpMethod.Get, "/");
        page.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var form = await http.SendAsync(page);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        var html = System.Net.WebUtility.HtmlDecode(await form.Content.ReadAsStringAsync());
        Assert.Contains("Session terminée (inactive 30 min", html, StringComparison.Ordinal);
        Assert.Contains("nouveau code", html, StringComparison.Ordinal);
    }
}
