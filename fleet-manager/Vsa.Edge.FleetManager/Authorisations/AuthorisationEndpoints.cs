using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Accounts;

namespace Vsa.Edge.FleetManager.Authorisations;

/// <summary>HTTP endpoints of the prefectoral authorisations.</summary>
public static class AuthorisationEndpoints
{
    /// <summary>
    /// Maps <c>GET /api/authorisations</c> and <c>GET /api/authorisations/{id}</c> (any signed-in account: operators must know
    /// what they are authorised to watch) and <c>POST /api/authorisations</c>, <c>PUT /api/authorisations/{id}</c> (administrators).
    /// </summary>
    public static IEndpointRouteBuilder MapAuthorisationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/authorisations");
        group.MapGet("/", async (AuthorisationStore store, CancellationToken cancellationToken) => TypedResults.Ok(await store.ListAsync(cancellationToken)))
            .WithName("ListAuthorisations");
        group.MapGet("/{id:long}", GetAsync).WithName("GetAuthorisation");
        group.MapPost("/", CreateAsync).RequireAuthorization(FleetPolicies.Manage).WithName("CreateAuthorisation");
        group.MapPut("/{id:long}", UpdateAsync).RequireAuthorization(FleetPolicies.Manage).WithName("UpdateAuthorisation");
        return app;
    }

    private static async Task<Results<Ok<AuthorisationView>, ProblemHttpResult>> GetAsync(long id, AuthorisationStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(id, cancellationToken) is { } found ? TypedResults.Ok(found) : NotFound(id);

    private static async Task<Results<Created<AuthorisationView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        AuthorisationRequest request, ClaimsPrincipal user, AuthorisationRegistry registry, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!AuthorisationRules.TryValidate(request, out var valid, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid authorisation");
        }

        var result = await registry.CreateAsync(valid!, FleetClaims.Name(user), cancellationToken);
        AddReissued(response, result);
        return result.Outcome == AuthorisationOutcome.Stored
            ? TypedResults.Created($"/api/authorisations/{result.Authorisation!.Id.ToString(CultureInfo.InvariantCulture)}", result.Authorisation)
            : Duplicate(valid!.Reference);
    }

    private static async Task<Results<Ok<AuthorisationView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, AuthorisationRequest request, ClaimsPrincipal user, AuthorisationRegistry registry, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!AuthorisationRules.TryValidate(request, out var valid, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid authorisation");
        }

        var result = await registry.UpdateAsync(id, valid!, FleetClaims.Name(user), cancellationToken);
        AddReissued(response, result);
        return result.Outcome switch
        {
            AuthorisationOutcome.Stored => TypedResults.Ok(result.Authorisation!),
            AuthorisationOutcome.NotFound => NotFound(id),
            _ => Duplicate(valid!.Reference),
        };
    }

    /// <summary>Header of a create or change: the devices whose configuration got a new version, each URL-encoded, comma separated.</summary>
    public const string ReissuedHeader = "Vsa-Reissued";

    // The console tells the administrator what recording the arrêté did to the devices (a new signed configuration each).
    private static void AddReissued(HttpResponse response, AuthorisationResult result)
    {
        if (result.Reissued.Count > 0)
        {
            response.Headers[ReissuedHeader] = string.Join(',', result.Reissued.Select(Uri.EscapeDataString));
        }
    }

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Authorisation not found", detail: $"No authorisation has the id {id.ToString(CultureInfo.InvariantCulture)}.");

    private static ProblemHttpResult Duplicate(string reference) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Reference already recorded", detail: $"An authorisation with the reference '{reference}' is already recorded; change that one instead.");
}
