using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Audit;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>Sign-in, sign-out, who am I, own password, own API tokens.</summary>
public static class AuthEndpoints
{
    /// <summary>Lifetime of a token when the request gives none.</summary>
    public const int DefaultTokenDays = 90;

    /// <summary>Longest account name a sign-in may carry (account names are at most 64 characters).</summary>
    public const int MaxNameLength = 64;

    /// <summary>Longest password a sign-in or password change may carry.</summary>
    public const int MaxPasswordLength = 1024;

    /// <summary>Largest body of a sign-in or password change, in bytes.</summary>
    public const long MaxCredentialsBody = 16 * 1024;

    /// <summary>Maps <c>/api/auth/*</c> and <c>/api/tokens</c>.</summary>
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth");
        // A sign-in or password change is a few hundred bytes: a larger body is refused (413) before it is read, so nobody can
        // make the fleet hold megabytes per attempt.
        auth.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(FleetAuthentication.SignInRateLimit)
            .WithMetadata(new RequestSizeLimitAttribute(MaxCredentialsBody)).WithName("Login");
        auth.MapPost("/logout", LogoutAsync).WithName("Logout");
        auth.MapGet("/me", MeAsync).WithName("GetSignedIn");
        auth.MapPost("/password", ChangePasswordAsync).RequireRateLimiting(FleetAuthentication.SignInRateLimit)
            .WithMetadata(new RequestSizeLimitAttribute(MaxCredentialsBody)).WithName("ChangeOwnPassword");

        var tokens = app.MapGroup("/api/tokens");
        tokens.MapPost("/", CreateTokenAsync).WithName("CreateToken");
        tokens.MapGet("/", ListTokensAsync).WithName("ListTokens");
        tokens.MapDelete("/{tokenId:long}", RevokeTokenAsync).WithName("RevokeToken");
        return app;
    }

    private static async Task<Results<Ok<SignedIn>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, AccountStore accounts, PasswordHashing hashing, LoginThrottle throttle, LoginFailureAudit failures,
        IAuditLog audit, CancellationToken cancellationToken)
    {
        var name = request.Name ?? string.Empty;
        var password = request.Password ?? string.Empty;
        var remote = http.Connection.RemoteIpAddress?.ToString() ?? string.Empty;
        if (name.Length > MaxNameLength || password.Length > MaxPasswordLength)
        {
            // No account has such a name and no password is that long: refused before the throttle keeps the name as a key.
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Sign-in refused",
                detail: $"name is at most {MaxNameLength} characters and password at most {MaxPasswordLength}.");
        }

        if (await RefuseLockedAsync(name, remote, throttle, failures, http, cancellationToken) is { } locked)
        {
            return locked;
        }

        // At most HashConcurrency hashes at once: a flood waits here (or is refused) instead of taking every core.
        using var lease = await throttle.AcquireHashAsync(remote, cancellationToken);
        if (lease is null)
        {
            return TooMany(http, TimeSpan.FromSeconds(1), "Too many sign-ins at once; try again in a moment.");
        }

        // Attempts that queued behind others of the same flood find the lockout they caused, and cost no hash.
        if (await RefuseLockedAsync(name, remote, throttle, failures, http, cancellationToken) is { } lockedMeanwhile)
        {
            return lockedMeanwhile;
        }

        var stored = name.Length is > 0 and <= 64 ? await accounts.FindAsync(name, cancellationToken) : null;
        string? refusal;
        if (stored is null)
        {
            hashing.VerifyNothing(password);
            refusal = "unknown account";
        }
        else
        {
            refusal = !PasswordHashing.Verify(password, stored.PasswordHash) ? "wrong password" : stored.View.Disabled ? "account disabled" : null;
        }

        if (refusal is not null || stored is null)
        {
            // The actor is only what was typed: an unknown or malformed name is recorded as such, never as a real account.
            var actor = stored?.View.Name ?? "anonymous";
            await failures.RecordAsync(actor, stored is null ? string.Empty : AccountStore.Target(actor), NullIfEmpty(remote), refusal!, cancellationToken);
            await AuditLockoutsAsync(throttle.RecordFailure(name, remote), stored is not null ? AccountStore.Target(actor) : string.Empty, remote, audit, cancellationToken);

            // One answer for every refusal, so the API does not tell which names exist.
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in refused", detail: "Unknown name or wrong password, or the account is disabled.");
        }

        throttle.RecordSuccess(name);
        var principal = FleetAuthentication.Principal(stored.View, stored.SecurityStamp, FleetClaims.PasswordMethod, CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        await audit.AppendAsync(new AuditEvent(stored.View.Name, AuditActions.Login, AccountStore.Target(stored.View.Name), new JsonObject { ["remote"] = NullIfEmpty(remote) }), cancellationToken);
        return TypedResults.Ok(new SignedIn(stored.View.Name, stored.View.DisplayName, stored.View.Role, FleetClaims.PasswordMethod));
    }

    private static async Task<ProblemHttpResult?> RefuseLockedAsync(string name, string remote, LoginThrottle throttle, LoginFailureAudit failures, HttpContext http, CancellationToken cancellationToken)
    {
        if (throttle.RetryAfter(name, remote) is not { } wait)
        {
            return null;
        }

        // Counted, not one row each: the interval's entry carries how many were refused.
        await failures.RecordAsync("anonymous", string.Empty, NullIfEmpty(remote), "locked out", cancellationToken);
        return TooMany(http, wait, "Too many failed sign-ins for this name or from this address; try again later.");
    }

    /// <summary>Each lockout a failure started, audited once (the account as target only when it exists).</summary>
    private static async Task AuditLockoutsAsync(IReadOnlyList<Lockout> lockouts, string accountTarget, string remote, IAuditLog audit, CancellationToken cancellationToken)
    {
        foreach (var lockout in lockouts)
        {
            await audit.AppendAsync(new AuditEvent("system:sign-in", AuditActions.LoginLockout, lockout.Scope == "account" ? accountTarget : string.Empty, new JsonObject
            {
                ["scope"] = lockout.Scope,
                ["remote"] = NullIfEmpty(remote),
                ["until"] = lockout.Until.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            }), cancellationToken);
        }
    }

    /// <summary>429 with <c>Retry-After</c> in whole seconds (rounded up).</summary>
    internal static ProblemHttpResult TooMany(HttpContext http, TimeSpan wait, string detail)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Sign-in temporarily refused", detail: detail);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static async Task<NoContent> LogoutAsync(HttpContext http, IAuditLog audit, CancellationToken cancellationToken)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        var name = FleetClaims.Name(http.User);
        await audit.AppendAsync(new AuditEvent(name, AuditActions.Logout, AccountStore.Target(name)), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<SignedIn>, UnauthorizedHttpResult>> MeAsync(ClaimsPrincipal user, AccountStore accounts, CancellationToken cancellationToken)
    {
        var account = await accounts.FindAsync(FleetClaims.Name(user), cancellationToken);
        return account is null
            ? TypedResults.Unauthorized()
            : TypedResults.Ok(new SignedIn(account.View.Name, account.View.DisplayName, account.View.Role, user.FindFirstValue(FleetClaims.Method) ?? string.Empty));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        PasswordChange request, HttpContext http, ClaimsPrincipal user, AccountStore accounts, PasswordHashing hashing, LoginThrottle throttle,
        LoginFailureAudit failures, IAuditLog audit, CancellationToken cancellationToken)
    {
        // Only from a session opened with the password: a leaked API token must not become a way to guess the password.
        if (user.FindFirstValue(FleetClaims.Method) != FleetClaims.PasswordMethod)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Password sign-in required", detail: "The password is changed from a session opened with the password.");
        }

        var name = FleetClaims.Name(user);
        var remote = http.Connection.RemoteIpAddress?.ToString() ?? string.Empty;
        if ((request.CurrentPassword?.Length ?? 0) > MaxPasswordLength || (request.NewPassword?.Length ?? 0) > MaxPasswordLength)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Password not changed", detail: $"a password is at most {MaxPasswordLength} characters.");
        }

        // Wrong current passwords count towards the same lockout as failed sign-ins of this account.
        if (throttle.RetryAfter(name, remote) is { } wait)
        {
            return TooMany(http, wait, "Too many wrong passwords for this account or from this address; try again later.");
        }

        using var lease = await throttle.AcquireHashAsync(remote, cancellationToken);
        if (lease is null)
        {
            return TooMany(http, TimeSpan.FromSeconds(1), "Too many password checks at once; try again in a moment.");
        }

        var stored = await accounts.FindAsync(name, cancellationToken);
        var errors = new Dictionary<string, string[]>();
        if (stored is null || !PasswordHashing.Verify(request.CurrentPassword ?? string.Empty, stored.PasswordHash))
        {
            errors["currentPassword"] = ["currentPassword is wrong."];
            await failures.RecordAsync(name, AccountStore.Target(name), NullIfEmpty(remote), "wrong current password", cancellationToken);
            await AuditLockoutsAsync(throttle.RecordFailure(name, remote), AccountStore.Target(name), remote, audit, cancellationToken);
        }

        AccountRules.CheckPassword(request.NewPassword, "newPassword", errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Password not changed");
        }

        await accounts.SetPasswordAsync(name, hashing.Hash(request.NewPassword!), name, AuditActions.PasswordChanged, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> CreateTokenAsync(
        TokenRequest request, ClaimsPrincipal user, AccountStore accounts, ApiTokenStore tokens, IOptions<AccountsOptions> options, CancellationToken cancellationToken)
    {
        // A token cannot mint tokens: otherwise one leaked token would renew itself forever.
        if (user.FindFirstValue(FleetClaims.Method) != FleetClaims.PasswordMethod)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Password sign-in required", detail: "API tokens are created from a session opened with a password.");
        }

        var days = request.ExpiresInDays ?? DefaultTokenDays;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 100)
        {
            errors["name"] = ["name must be 1 to 100 characters."];
        }

        if (days < 1 || days > options.Value.TokenMaxDays)
        {
            errors["expiresInDays"] = [$"expiresInDays must be from 1 to {options.Value.TokenMaxDays}."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid token request");
        }

        var account = (await accounts.FindAsync(FleetClaims.Name(user), cancellationToken))!.View;
        var created = await tokens.CreateAsync(account, request.Name!.Trim(), TimeSpan.FromDays(days), cancellationToken);
        return TypedResults.Created($"/api/tokens/{created.Id}", created);
    }

    private static async Task<Ok<IReadOnlyList<TokenView>>> ListTokensAsync(ClaimsPrincipal user, ApiTokenStore tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(await tokens.ListAsync(FleetClaims.AccountId(user)!.Value, cancellationToken));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeTokenAsync(long tokenId, ClaimsPrincipal user, AccountStore accounts, ApiTokenStore tokens, CancellationToken cancellationToken)
    {
        var account = (await accounts.FindAsync(FleetClaims.Name(user), cancellationToken))!.View;
        return await tokens.RevokeAsync(account, tokenId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Token not found", detail: "You have no active token with this id.");
    }
}
