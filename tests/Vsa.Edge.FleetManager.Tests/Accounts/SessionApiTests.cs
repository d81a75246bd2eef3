using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Accounts;

/// <summary>Server-side sessions through the real API: a captured cookie dies with logout, password change, idle and absolute lifetimes.</summary>
public sealed class SessionApiTests
{
    [Fact]
    public async Task Logout_CapturedCookie_StopsWorkingAtOnce()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        var (browser, cookie) = await SignInCapturingAsync(fleet);
        using var thief = CapturedCookieClient(fleet, cookie);
        var before = await thief.GetAsync("/api/alerts");

        var logout = await browser.PostAsync("/api/auth/logout", null);
        var after = await thief.GetAsync("/api/alerts");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        browser.Dispose();
    }

    [Fact]
    public async Task Cookie_CarriesOnlyASessionId_NotTheAccount()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        var (browser, cookie) = await SignInCapturingAsync(fleet);
        browser.Dispose();
        var key = Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme;

        // Unprotect the cookie as the handler does: its ticket holds a session-id claim and nothing of the account.
        var options = fleet.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>>().Get(key);
        var ticket = options.TicketDataFormat.Unprotect(Uri.UnescapeDataString(cookie.Split('=', 2)[1]))!;

        Assert.DoesNotContain(ticket.Principal.Claims, c => c.Value.Contains("bob", StringComparison.Ordinal));
        Assert.StartsWith(SessionStore.Prefix, Assert.Single(ticket.Principal.Claims).Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeOwnPassword_EverySessionOfTheAccountEnds()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Operator, "bob");
        using var other = fleet.CreateBrowserClient();
        await other.PostAsJsonAsync("/api/auth/login", new LoginRequest("bob", FleetApp.Password), FleetJsonContext.Default.LoginRequest);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/alerts")).StatusCode);

        var changed = await browser.PostAsJsonAsync("/api/auth/password", new PasswordChange(FleetApp.Password, "brand new password"), FleetJsonContext.Default.PasswordChange);

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task Session_IdleLifetimeWithoutRequest_Ends()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fleet = await FleetApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock), waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Operator, "bob");

        clock.Advance(TimeSpan.FromHours(7));
        var within = await browser.GetAsync("/api/alerts");
        clock.Advance(TimeSpan.FromHours(8));
        var idle = await browser.GetAsync("/api/alerts");

        Assert.Equal(HttpStatusCode.OK, within.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, idle.StatusCode);
    }

    [Fact]
    public async Task Session_ActiveBeyondAbsoluteLifetime_Ends()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fleet = await FleetApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock), waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Operator, "bob");

        var statuses = new List<HttpStatusCode>();
        for (var hour = 3; hour <= 15; hour += 3)
        {
            clock.Advance(TimeSpan.FromHours(3));
            statuses.Add((await browser.GetAsync("/api/alerts")).StatusCode);
        }

        // 3, 6, 9 hours in: open; 12 hours (the default absolute lifetime) and after: ended, although never idle.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], statuses);
    }

    /// <summary>Signs bob in on a browser client and returns it with its session cookie as sent (<c>name=value</c>).</summary>
    private static async Task<(HttpClient Browser, string Cookie)> SignInCapturingAsync(FleetApp fleet)
    {
        await fleet.CreateAccountAsync(Role.Operator, "bob");
        var browser = fleet.CreateBrowserClient();
        var login = await browser.PostAsJsonAsync("/api/auth/login", new LoginRequest("bob", FleetApp.Password), FleetJsonContext.Default.LoginRequest);
        return (browser, login.Headers.GetValues("Set-Cookie").Single().Split(';')[0]);
    }

    private static HttpClient CapturedCookieClient(FleetApp fleet, string cookie)
    {
        var client = fleet.CreateClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }
}
