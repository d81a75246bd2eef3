using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Api;

/// <summary>Sign-in with a password (cookie), API tokens (bearer), sessions that end, and what is closed without them.</summary>
public sealed class AuthApiTests
{
    [Theory]
    [InlineData("/api/alerts")]
    [InlineData("/api/alerts/0197a000-0000-7000-8000-000000000000")]
    [InlineData("/api/devices")]
    [InlineData("/api/devices/pole-12")]
    [InlineData("/api/ingestion")]
    [InlineData("/api/audit")]
    [InlineData("/api/accounts")]
    [InlineData("/api/auth/me")]
    public async Task ReadEndpoint_NotSignedIn_Returns401Problem(string url)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);

        var response = await fleet.Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Login_RightPassword_CookieOpensTheApiAndIsAudited()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        var bob = await fleet.CreateAccountAsync(Role.Operator, "bob");
        using var browser = fleet.CreateClient();

        var login = await browser.PostAsJsonAsync("/api/auth/login", new LoginRequest("bob", FleetApp.Password), FleetJsonContext.Default.LoginRequest);
        var me = await browser.GetFromJsonAsync("/api/auth/me", FleetJsonContext.Default.SignedIn);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(FleetAuthentication.CookieName + "=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(new SignedIn("bob", bob.DisplayName, Role.Operator, FleetClaims.PasswordMethod), me);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/alerts")).StatusCode);
        Assert.Contains(await AuditAsync(fleet), e => e.Action == AuditActions.Login && e.Actor == "bob");
    }

    [Theory]
    [InlineData("bob", "wrong password, long enough")]
    [InlineData("nobody", FleetApp.Password)]
    public async Task Login_Refused_Returns401AndRecordsTheFailure(string name, string password)
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        await fleet.CreateAccountAsync(Role.Operator, "bob");

        var login = await fleet.Http.PostAsJsonAsync("/api/auth/login", new LoginRequest(name, password), FleetJsonContext.Default.LoginRequest);

        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.False(login.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await fleet.Http.GetAsync("/api/alerts")).StatusCode);
        var failure = Assert.Single(await AuditAsync(fleet), e => e.Action == AuditActions.LoginFailed);
        Assert.Equal(name == "bob" ? "bob" : "anonymous", failure.Actor);
    }

    [Fact]
    public async Task DisabledAccount_OpenSessionEnds()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Operator, "bob");
        using var admin = await fleet.ClientAsync(Role.Admin);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/devices")).StatusCode);

        var disable = await admin.PatchAsJsonAsync("/api/accounts/bob", new AccountChange(null, null, null, null, null, Disabled: true), FleetJsonContext.Default.AccountChange);

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/devices")).StatusCode);
        var again = await fleet.Http.PostAsJsonAsync("/api/auth/login", new LoginRequest("bob", FleetApp.Password), FleetJsonContext.Default.LoginRequest);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task Tokens_CreatedFromSession_ShownOnceWorkUntilRevoked()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Auditor, "carol");

        var created = await browser.PostAsJsonAsync("/api/tokens", new TokenRequest("reporting", 30), FleetJsonContext.Default.TokenRequest);
        var token = (await created.Content.ReadFromJsonAsync(FleetJsonContext.Default.CreatedToken))!;
        using var automation = fleet.CreateClient();
        automation.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        var me = await automation.GetFromJsonAsync("/api/auth/me", FleetJsonContext.Default.SignedIn);
        var mint = await automation.PostAsJsonAsync("/api/tokens", new TokenRequest("another", 30), FleetJsonContext.Default.TokenRequest);
        var listed = await browser.GetStringAsync("/api/tokens");
        var revoke = await browser.DeleteAsync($"/api/tokens/{token.Id}");
        var afterRevoke = await automation.GetAsync("/api/alerts");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(("carol", Role.Auditor, FleetClaims.TokenMethod), (me!.Name, me.Role, me.Method));
        Assert.Equal(HttpStatusCode.Forbidden, mint.StatusCode);
        Assert.Contains("reporting", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Token, listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevoke.StatusCode);
        Assert.Equal("Bearer", afterRevoke.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Accounts_AdminCreatesOperatorOthersCannot()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        using var op = await fleet.ClientAsync(Role.Operator);
        var dave = new NewAccount("dave", "Dave Martin", Role.Operator, "a long enough password", "arrêté 2025-040", new DateOnly(2025, 4, 1), new DateOnly(2025, 4, 8));

        var byOperator = await op.PostAsJsonAsync("/api/accounts", dave, FleetJsonContext.Default.NewAccount);
        var byAuditor = await auditor.PostAsJsonAsync("/api/accounts", dave, FleetJsonContext.Default.NewAccount);
        var undesignated = await admin.PostAsJsonAsync("/api/accounts", dave with { DesignationReference = null, TrainingDate = null }, FleetJsonContext.Default.NewAccount);
        var created = await admin.PostAsJsonAsync("/api/accounts", dave, FleetJsonContext.Default.NewAccount);
        var duplicate = await admin.PostAsJsonAsync("/api/accounts", dave, FleetJsonContext.Default.NewAccount);
        var readByAuditor = await auditor.GetFromJsonAsync("/api/accounts/dave", FleetJsonContext.Default.AccountView);
        var readByOperator = await op.GetAsync("/api/accounts");

        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byAuditor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, undesignated.StatusCode);
        var errors = JsonNode.Parse(await undesignated.Content.ReadAsStringAsync())!["errors"]!;
        Assert.NotNull(errors["designationReference"]);
        Assert.NotNull(errors["trainingDate"]);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(("Dave Martin", new DateOnly(2025, 4, 8)), (readByAuditor!.DisplayName, readByAuditor.TrainingDate));
        Assert.Equal(HttpStatusCode.Forbidden, readByOperator.StatusCode);
        Assert.DoesNotContain("a long enough password", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeOwnPassword_OldOneStopsWorking()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var browser = await fleet.SignInAsync(Role.Operator, "bob");

        var wrong = await browser.PostAsJsonAsync("/api/auth/password", new PasswordChange("not it at all", "brand new password"), FleetJsonContext.Default.PasswordChange);
        var changed = await browser.PostAsJsonAsync("/api/auth/password", new PasswordChange(FleetApp.Password, "brand new password"), FleetJsonContext.Default.PasswordChange);
        var withOld = await fleet.Http.PostAsJsonAsync("/api/auth/login", new LoginRequest("bob", FleetApp.Password), FleetJsonContext.Default.LoginRequest);
        var withNew = await fleet.Http.PostAsJsonAsync("/api/auth/login", new LoginRequest("bob", "brand new password"), FleetJsonContext.Default.LoginRequest);

        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withOld.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
    }

    private static Task<IReadOnlyList<AuditEntry>> AuditAsync(FleetApp fleet) =>
        fleet.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 1000, CancellationToken.None);
}
