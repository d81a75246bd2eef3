using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>
/// Accounts and access: a cookie for browsers (after <c>POST /api/auth/login</c>) and bearer API tokens for automation,
/// behind one default scheme that picks by the <c>Authorization</c> header; role policies; every endpoint closed by default.
/// </summary>
public static class FleetAuthentication
{
    /// <summary>The default scheme: forwards to <see cref="TokenScheme"/> for bearer requests, to the cookie otherwise.</summary>
    public const string Scheme = "Fleet";

    /// <summary>The bearer-token scheme.</summary>
    public const string TokenScheme = "ApiToken";

    /// <summary>Name of the session cookie.</summary>
    public const string CookieName = "vsa-fleet";

    /// <summary>The rate-limiter policy of <c>POST /api/auth/login</c>: a token bucket per client address.</summary>
    public const string SignInRateLimit = "sign-in";

    /// <summary>Registers the stores, the hasher, the schemes and the policies; binds and validates <c>Fleet:Accounts</c>.</summary>
    public static IHostApplicationBuilder AddFleetAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountsOptions>()
            .BindConfiguration(AccountsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AccountsOptions>, AccountsOptionsValidator>();
        builder.Services.AddFleetAccountStores();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<LoginFailureAudit>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LoginFailureAudit>());
        builder.Services.AddFleetSignInRateLimit();
        builder.Services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? TokenScheme : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie()
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(TokenScheme, null);
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccountsOptions>, SessionStore, TimeProvider>((cookie, accounts, sessions, timeProvider) =>
            {
                // The cookie carries a session id only; the ticket, its idle and absolute lifetimes and its revocation are server-side.
                cookie.SessionStore = sessions;
                cookie.TimeProvider = timeProvider;
                cookie.Cookie.Name = CookieName;
                cookie.Cookie.HttpOnly = true;

                // Strict: a cross-site request never carries the session, so a decision cannot be forged from another site.
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = accounts.Value.SessionLifetime;
                cookie.SlidingExpiration = true;

                // An API answers 401/403, it does not redirect to a login page.
                cookie.Events.OnRedirectToLogin = c => Status(c.Response, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = c => Status(c.Response, StatusCodes.Status403Forbidden);
                cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
            });
        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(FleetPolicies.DecideAlerts, p => p.RequireRole(Roles.Operator))
            .AddPolicy(FleetPolicies.Manage, p => p.RequireRole(Roles.Admin))
            .AddPolicy(FleetPolicies.ReadAudit, p => p.RequireRole(Roles.Admin, Roles.Auditor))
            .AddPolicy(FleetPolicies.Suspend, p => p.RequireRole(Roles.Admin, Roles.Supervisor));
        return builder;
    }

    /// <summary>The stores and the hasher, without the web parts (the command-line tools use this).</summary>
    public static IServiceCollection AddFleetAccountStores(this IServiceCollection services)
    {
        services.AddSingleton<PasswordHashing>(_ => new PasswordHashing());
        services.AddSingleton<SessionStore>();
        services.AddSingleton<AccountStore>();
        services.AddSingleton<ApiTokenStore>();
        return services;
    }

    /// <summary>
    /// The sign-in rate limit, authentication, the origin check of cookie requests (<see cref="CookieOriginCheck"/>), then
    /// authorisation; call it after the static files, which stay public (the login form is one).
    /// </summary>
    public static WebApplication UseFleetAccounts(this WebApplication app)
    {
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseMiddleware<CookieOriginCheck>();
        app.UseAuthorization();
        return app;
    }

    /// <summary>A principal for <paramref name="account"/>.</summary>
    public static ClaimsPrincipal Principal(AccountView account, string? securityStamp, string method, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, account.Name),
            new(ClaimTypes.Role, Roles.Name(account.Role)),
            new(FleetClaims.Method, method),
        };
        if (securityStamp is not null)
        {
            claims.Add(new Claim(FleetClaims.SecurityStamp, securityStamp));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    private static Task Status(HttpResponse response, int status)
    {
        response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary>Ends a session whose account was disabled, or changed password or role, since it began.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var store = context.HttpContext.RequestServices.GetRequiredService<AccountStore>();
        var id = FleetClaims.AccountId(context.Principal);
        var stored = id is { } accountId ? await store.FindAsync(accountId, context.HttpContext.RequestAborted) : null;
        if (stored is null || stored.View.Disabled
            || !string.Equals(stored.SecurityStamp, context.Principal?.FindFirstValue(FleetClaims.SecurityStamp), StringComparison.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}

/// <summary>Claims the fleet manager puts in its principals.</summary>
public static class FleetClaims
{
    /// <summary>How the request was authenticated: <c>password</c> (session cookie) or <c>token</c>.</summary>
    public const string Method = "vsa:method";

    /// <summary>The account's security stamp when the session began.</summary>
    public const string SecurityStamp = "vsa:stamp";

    /// <summary>Session opened with a password.</summary>
    public const string PasswordMethod = "password";

    /// <summary>Request carrying an API token.</summary>
    public const string TokenMethod = "token";

    /// <summary>The account id of a principal, or null.</summary>
    public static long? AccountId(ClaimsPrincipal? principal) =>
        long.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>The account name of a signed-in principal.</summary>
    public static string Name(ClaimsPrincipal principal) =>
        principal.FindFirstValue(ClaimTypes.Name) ?? throw new InvalidOperationException("The request is not signed in.");
}

/// <summary>Authenticates <c>Authorization: Bearer vsa_…</c> requests against <see cref="ApiTokenStore"/>.</summary>
internal sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenStore tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var account = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        return account is null
            ? AuthenticateResult.Fail("The token is unknown, expired or revoked, or its account is disabled.")
            : AuthenticateResult.Success(new AuthenticationTicket(FleetAuthentication.Principal(account, null, FleetClaims.TokenMethod, Scheme.Name), Scheme.Name));
    }

    /// <inheritdoc />
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
