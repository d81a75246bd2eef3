using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Api;

/// <summary>Security headers, the origin check of cookie requests, the console's CSP-compatibility, unknown devices refused.</summary>
public sealed partial class HttpHardeningTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/js/app.js")]
    [InlineData("/api/alerts")]
    [InlineData("/health")]
    public async Task AnyResponse_CarriesCspNosniffAndReferrerPolicy(string url)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);

        var response = await fleet.Http.GetAsync(url);

        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("default-src 'self'", SecurityHeaders.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", SecurityHeaders.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Theory]
    [InlineData(null, null, HttpStatusCode.Forbidden)]
    [InlineData("https://evil.example", null, HttpStatusCode.Forbidden)]
    [InlineData("http://localhost.evil.example", null, HttpStatusCode.Forbidden)]
    [InlineData(null, "same-site", HttpStatusCode.Forbidden)]
    [InlineData(null, "cross-site", HttpStatusCode.Forbidden)]
    [InlineData("http://localhost", null, HttpStatusCode.Created)]
    [InlineData(null, "same-origin", HttpStatusCode.Created)]
    public async Task CookieRequestThatChangesState_OriginChecked(string? origin, string? fetchSite, HttpStatusCode expected)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        await fleet.CreateAccountAsync(Role.Auditor, "carol");
        using var browser = fleet.CreateClient();
        await browser.PostAsJsonAsync("/api/auth/login", new LoginRequest("carol", FleetApp.Password), FleetJsonContext.Default.LoginRequest);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tokens") { Content = JsonContent.Create(new TokenRequest("reporting", 30), FleetJsonContext.Default.TokenRequest) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        var response = await browser.SendAsync(request);
        var read = await browser.GetAsync("/api/tokens");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("[]", await read.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task TokenRequestThatChangesState_NeedsNoOrigin()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        await fleet.KnowDeviceAsync("pole-12");

        var put = await ConfigTestClient.PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera(enabled: false)]);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    [Fact]
    public async Task PutConfig_UnknownDevice_404ProblemAndNoPhantomDevice()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);

        var put = await ConfigTestClient.PutConfigAsync(admin, "ghost-1", [ConfigSamples.Camera(enabled: false)]);

        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal("application/problem+json", put.Content.Headers.ContentType?.MediaType);
        Assert.Contains("ghost-1", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/devices/ghost-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/devices/ghost-1/config")).StatusCode);
        Assert.DoesNotContain("ghost-1", await admin.GetStringAsync("/api/devices"), StringComparison.Ordinal);
    }

    [Fact]
    public void ConsoleFiles_NoInlineScriptStyleOrHandler_SoTheCspBlocksNothing()
    {
        var repository = new DirectoryInfo(AppContext.BaseDirectory);
        while (repository is not null && !Directory.Exists(Path.Combine(repository.FullName, "fleet-manager")))
        {
            repository = repository.Parent;
        }

        var root = Path.Combine(repository!.FullName, "fleet-manager", "Vsa.Edge.FleetManager", "wwwroot");
        var files = Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".html", StringComparison.Ordinal) || f.EndsWith(".js", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            Assert.False(InlineScript().IsMatch(text), $"{file}: inline <script> (without src)");
            Assert.False(StyleElementOrAttribute().IsMatch(text), $"{file}: <style> element or style attribute");
            Assert.False(EventHandlerAttribute().IsMatch(text), $"{file}: inline event handler attribute");
            Assert.False(Eval().IsMatch(text), $"{file}: eval or new Function");
        }
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<style[\s>]|\sstyle\s*=|setAttribute\(\s*[""']style|\.style\.cssText|cssText\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex StyleElementOrAttribute();

    [GeneratedRegex(@"<[a-z][^>]*\son[a-z]+\s*=|setAttribute\(\s*[""']on[a-z]+", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandlerAttribute();

    [GeneratedRegex(@"\beval\s*\(|new\s+Function\s*\(")]
    private static partial Regex Eval();
}
