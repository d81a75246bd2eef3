using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Audit;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>Account management: administrators change, auditors and administrators read.</summary>
public static class AccountEndpoints
{
    /// <summary>Maps <c>/api/accounts</c>.</summary>
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/accounts");
        accounts.MapGet("/", async (AccountStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)))
            .RequireAuthorization(FleetPolicies.ReadAudit).WithName("ListAccounts");
        accounts.MapGet("/{name}", GetAsync).RequireAuthorization(FleetPolicies.ReadAudit).WithName("GetAccount");
        accounts.MapPost("/", CreateAsync).RequireAuthorization(FleetPolicies.Manage).WithName("CreateAccount");
        accounts.MapPatch("/{name}", UpdateAsync).RequireAuthorization(FleetPolicies.Manage).WithName("UpdateAccount");
        accounts.MapPut("/{name}/password", SetPasswordAsync).RequireAuthorization(FleetPolicies.Manage).WithName("SetAccountPassword");
        return app;
    }

    private static async Task<Results<Ok<AccountView>, ProblemHttpResult>> GetAsync(string name, AccountStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(name, cancellationToken) is { } account ? TypedResults.Ok(account.View) : NotFound(name);

    private static async Task<Results<Created<AccountView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        NewAccount request, ClaimsPrincipal user, AccountStore store, PasswordHashing hashing, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (!AccountRules.TryValidate(request, DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime), out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid account");
        }

        var created = await store.CreateAsync(request, hashing.Hash(request.Password!), FleetClaims.Name(user), cancellationToken);
        return created is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Name taken", detail: $"An account named '{request.Name}' exists.")
            : TypedResults.Created($"/api/accounts/{created.Name}", created);
    }

    private static async Task<Results<Ok<AccountView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string name, AccountChange request, ClaimsPrincipal user, AccountStore store, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (!AccountRules.TryValidate(request, DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime), out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid account change");
        }

        var (outcome, account) = await store.UpdateAsync(name, request, FleetClaims.Name(user), cancellationToken);
        return outcome switch
        {
            AccountChangeOutcome.Changed => TypedResults.Ok(account!),
            AccountChangeOutcome.NotFound => NotFound(name),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Last administrator", detail: "This change would leave no active administrator."),
        };
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetPasswordAsync(
        string name, PasswordSet request, ClaimsPrincipal user, AccountStore store, PasswordHashing hashing, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        AccountRules.CheckPassword(request.Password, "password", errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid password");
        }

        return await store.SetPasswordAsync(name, hashing.Hash(request.Password!), FleetClaims.Name(user), AuditActions.AccountPasswordSet, cancellationToken)
            ? TypedResults.NoContent()
            : NotFound(name);
    }

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Account not found", detail: $"No account is named '{name}'.");
}
