using System.Net;
using System.Text.Json;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Live;

/// <summary>The live page and its Server-Sent Events stream, read over HTTP as a browser would.</summary>
public sealed class LiveStreamTests
{
    [Fact]
    public async Task Stream_SignedInBrowser_PublishedAlertArrivesAsAlertEvent()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");

        // As the page does it: the login form's POST sets the session cookie, which the EventSource then carries.
        using var browser = await fleet.SignInAsync(Role.Operator);
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/alerts/stream");
        using var response = await browser.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, guard.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(guard.Token));

        // The stream opens with the broker state, sent once our subscription exists: from here nothing can be missed.
        var (openingType, _) = await ReadEventAsync(reader, guard.Token);
        Assert.Equal("ingestion", openingType);

        var alert = Samples.AlertStart(device.DeviceId);
        await device.PublishAsync(alert);
        var (type, data) = await ReadEventAsync(reader, guard.Token);

        Assert.Equal("alert", type);
        var view = JsonSerializer.Deserialize(data, FleetJsonContext.Default.AlertView)!;
        Assert.Equal(alert.AlertId, view.AlertId);
        Assert.Equal(Vsa.Edge.Contracts.AlertState.Start, view.State);
    }

    [Fact]
    public async Task Stream_NotSignedIn_Returns401Problem()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);

        var response = await fleet.Http.GetAsync("/api/alerts/stream");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Root_ServesTheLivePageWithoutExternalResources()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        string[] modules = ["app", "api", "i18n", "queue", "detail", "layout", "board", "evaluation"];

        var html = await fleet.Http.GetStringAsync("/");
        var scripts = new Dictionary<string, string>();
        foreach (var module in modules)
        {
            scripts[module] = await fleet.Http.GetStringAsync($"/js/{module}.js");
        }

        Assert.Contains("<html lang=\"fr\">", html, StringComparison.Ordinal);
        Assert.Contains("<script type=\"module\" src=\"js/app.js\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("new EventSource(\"api/alerts/stream\")", scripts["app"], StringComparison.Ordinal);

        // The page itself is public and carries the sign-in form; what it shows comes only after signing in.
        Assert.Contains("<form id=\"login\">", html, StringComparison.Ordinal);
        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);
        Assert.Contains("postJson(\"api/auth/login\"", scripts["app"], StringComparison.Ordinal);
        foreach (var (module, script) in scripts)
        {
            // Modules import each other by relative path only; device data is only ever written as text.
            Assert.DoesNotContain("https://", script, StringComparison.Ordinal);
            Assert.False(script.Contains("innerHTML", StringComparison.Ordinal), $"{module}.js uses innerHTML");
            Assert.DoesNotMatch("from \"(?!\\./)", script);
        }

        Assert.Equal(HttpStatusCode.OK, (await fleet.Http.GetAsync("/app.css")).StatusCode);
    }

    private static async Task<(string Type, string Data)> ReadEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? type = null;
        string? data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0 && data is not null)
            {
                return (type ?? "message", data);
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        throw new EndOfStreamException("The event stream ended.");
    }
}
