using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Accounts;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>Active and recent suspensions, for <c>GET /api/suspensions</c>.</summary>
/// <param name="Active">In force now, oldest first (what the console's banner shows).</param>
/// <param name="Recent">The newest 50, active or resumed, newest first.</param>
public sealed record SuspensionList(IReadOnlyList<SuspensionView> Active, IReadOnlyList<SuspensionView> Recent);

/// <summary>HTTP endpoints of the kill switch, and its registration.</summary>
public static class SuspensionEndpoints
{
    private const int RecentCount = 50;

    /// <summary>
    /// Maps <c>GET /api/suspensions</c> (any signed-in account: every operator must see that the analysis is suspended),
    /// <c>POST /api/suspensions</c> and <c>POST /api/suspensions/{id}/resume</c> (administrators and supervisors,
    /// <see cref="FleetPolicies.Suspend"/>; an operator gets 403).
    /// </summary>
    public static IEndpointRouteBuilder MapSuspensionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/suspensions");
        group.MapGet("/", async (SuspensionStore store, CancellationToken cancellationToken) =>
            TypedResults.Ok(new SuspensionList(await store.ListActiveAsync(cancellationToken), await store.ListRecentAsync(RecentCount, cancellationToken))))
            .WithName("ListSuspensions");
        group.MapPost("/", SuspendAsync).RequireAuthorization(FleetPolicies.Suspend).WithName("Suspend");
        group.MapPost("/{id:long}/resume", ResumeAsync).RequireAuthorization(FleetPolicies.Suspend).WithName("ResumeSuspension");
        return app;
    }

    /// <summary>Registers the store (and <see cref="ISuspensionReader"/>), the states, the service and the publisher.</summary>
    public static IHostApplicationBuilder AddFleetSuspensions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SuspensionStore>();
        builder.Services.AddSingleton<ISuspensionReader>(sp => sp.GetRequiredService<SuspensionStore>());
        builder.Services.AddSingleton<SuspensionStates>();
        builder.Services.AddSingleton<SuspensionService>();
        builder.Services.AddSingleton<SuspensionPublisher>();
        builder.Services.AddHostedService<SuspensionStartup>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SuspensionPublisher>());
        return builder;
    }

    private static async Task<Results<Created<SuspensionView>, ValidationProblem, ProblemHttpResult>> SuspendAsync(
        SuspensionRequest? request, ClaimsPrincipal user, SuspensionService service, CancellationToken cancellationToken)
    {
        if (!SuspensionRules.TryValidate(request, out var valid, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid suspension");
        }

        var result = await service.SuspendAsync(valid, FleetClaims.Name(user), cancellationToken);
        return result.Outcome == SuspensionOutcome.Stored
            ? TypedResults.Created($"/api/suspensions/{result.Suspension!.Id.ToString(CultureInfo.InvariantCulture)}", result.Suspension)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown device", detail: $"The fleet knows no device '{valid.DeviceId}'.");
    }

    private static async Task<Results<Ok<SuspensionView>, ValidationProblem, ProblemHttpResult>> ResumeAsync(
        long id, ResumeRequest? request, ClaimsPrincipal user, SuspensionService service, CancellationToken cancellationToken)
    {
        if (!SuspensionRules.TryValidate(request, out var reason, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid resumption");
        }

        var result = await service.ResumeAsync(id, reason, FleetClaims.Name(user), cancellationToken);
        return result.Outcome == SuspensionOutcome.Stored
            ? TypedResults.Ok(result.Suspension!)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such active suspension", detail: $"No suspension in force has the id {id.ToString(CultureInfo.InvariantCulture)}.");
    }

    /// <summary>Reads the global suspension in force once the database is migrated (hosted services start in order).</summary>
    private sealed class SuspensionStartup(SuspensionService service) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => service.LoadAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
