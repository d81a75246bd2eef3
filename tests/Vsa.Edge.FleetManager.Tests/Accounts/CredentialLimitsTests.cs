using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Accounts;

/// <summary>
/// What the HTTP red team found after the first hardening: megabyte names kept by the throttle, and the password-change
/// endpoint as an unthrottled, unaudited password oracle for whoever holds an API token.
/// </summary>
public sealed class CredentialLimitsTests
{
    [Fact]
    public async Task Login_NameOrPasswordLongerThanAnyAccepted_RefusedBeforeTheThrottleOrAnyHash()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        await fleet.CreateAccountAsync(Role.Operator, "bob");
        var throttle = fleet.Services.GetRequiredService<LoginThrottle>();

        var longName = await SignInAttemptAsync(fleet, new string('b', AuthEndpoints.MaxNameLength + 1), "whatever it is");
        var longPassword = await SignInAttemptAsync(fleet, "bob", new string('p', AuthEndpoints.MaxPasswordLength + 1));
        var hugeBody = await SignInAttemptAsync(fleet, new string('b', 64 * 1024), "whatever it is");

        Assert.Equal(HttpStatusCode.BadRequest, longName.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, longPassword.StatusCode);
        Assert.True(hugeBody.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, hugeBody.StatusCode.ToString());
        Assert.Equal(0, throttle.HashesStarted);
        Assert.Null(throttle.RetryAfter(new string('b', AuthEndpoints.MaxNameLength + 1), string.Empty));
    }

    [Fact]
    public async Task ChangeOwnPassword_WithAnApiToken_RefusedWithoutCheckingThePassword()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Operator, "bob");
        var created = await browser.PostAsJsonAsync("/api/tokens", new TokenRequest("reporting", 30), FleetJsonContext.Default.TokenRequest);
        var token = (await created.Content.ReadFromJsonAsync(FleetJsonContext.Default.CreatedToken))!;
        using var automation = fleet.CreateClient();
        automation.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        var hashesBefore = fleet.Services.GetRequiredService<LoginThrottle>().HashesStarted;

        var guess = await automation.PostAsJsonAsync("/api/auth/password", new PasswordChange(FleetApp.Password, "brand new password"), FleetJsonContext.Default.PasswordChange);

        Assert.Equal(HttpStatusCode.Forbidden, guess.StatusCode);
        Assert.Equal(hashesBefore, fleet.Services.GetRequiredService<LoginThrottle>().HashesStarted);
    }

    [Fact]
    public async Task ChangeOwnPassword_FiveWrongCurrentPasswords_AccountLockedOutAndAudited()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Operator, "bob");

        var wrong = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            wrong.Add((await browser.PostAsJsonAsync("/api/auth/password", new PasswordChange($"guess {i}", "brand new password"), FleetJsonContext.Default.PasswordChange)).StatusCode);
        }

        var right = await browser.PostAsJsonAsync("/api/auth/password", new PasswordChange(FleetApp.Password, "brand new password"), FleetJsonContext.Default.PasswordChange);
        var audit = await fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 1000, CancellationToken.None);

        Assert.All(wrong, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.NotNull(right.Headers.RetryAfter);
        Assert.Contains(audit, e => e.Action == AuditActions.LoginLockout && e.Target == AccountStore.Target("bob"));
        Assert.Contains(audit, e => e.Action == AuditActions.LoginFailed && e.Target == AccountStore.Target("bob"));
    }

    private static async Task<HttpResponseMessage> SignInAttemptAsync(FleetApp fleet, string name, string password)
    {
        using var client = fleet.CreateClient();
        return await client.PostAsJsonAsync("/api/auth/login", new LoginRequest(name, password), FleetJsonContext.Default.LoginRequest);
    }
}
