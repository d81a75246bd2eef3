using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>Source-generated JSON of rollouts (API and stored plan and stages).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RolloutRequest))]
[JsonSerializable(typeof(RolloutActionRequest))]
[JsonSerializable(typeof(RolloutView))]
[JsonSerializable(typeof(IReadOnlyList<RolloutView>))]
[JsonSerializable(typeof(IReadOnlyList<DeviceModelView>))]
[JsonSerializable(typeof(RolloutGates))]
[JsonSerializable(typeof(IReadOnlyList<RolloutStage>))]
public sealed partial class RolloutJsonContext : JsonSerializerContext;

/// <summary>
/// The rollout API, administrators only (<see cref="FleetPolicies.Manage"/>), every change audited:
/// <c>GET|POST /api/rollouts</c>, <c>GET /api/rollouts/{id}</c>, <c>POST /api/rollouts/{id}/pause|resume|promote|abort</c>
/// and <c>GET /api/rollouts/models</c> (the model each device reports, for the device board).
/// </summary>
public static class RolloutEndpoints
{
    private const int ListLimit = 100;
    private const int MaxReasonLength = 500;

    /// <summary>
    /// Registers <see cref="RolloutOptions"/> (validated on start), the store, the views, the service and the driver (a hosted
    /// service). The model-update ports (<c>IModelAssigner</c>, <c>IModelReports</c>) are the model delivery's registrations.
    /// </summary>
    public static IHostApplicationBuilder AddFleetRollouts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RolloutOptions>().BindConfiguration(RolloutOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RolloutOptions>, RolloutOptionsValidator>();
        builder.Services.AddSingleton<RolloutStore>();
        builder.Services.AddSingleton<RolloutPorts>();
        builder.Services.AddSingleton<RolloutViews>();
        builder.Services.AddSingleton<RolloutDriver>();
        builder.Services.AddSingleton<RolloutService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RolloutDriver>());
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(RolloutJsonContext.Default));
        return builder;
    }

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapRolloutsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/rollouts").RequireAuthorization(FleetPolicies.Manage);
        group.MapGet("/", async (RolloutViews views, CancellationToken ct) => TypedResults.Ok(await views.ListAsync(ListLimit, ct)));
        group.MapGet("/models", async (RolloutViews views, CancellationToken ct) => TypedResults.Ok(await views.ModelsAsync(ct)));
        group.MapGet("/{id:long}", async Task<Results<Ok<RolloutView>, NotFound>> (long id, RolloutViews views, CancellationToken ct) =>
            await views.GetAsync(id, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound());
        group.MapPost("/", StartAsync);
        group.MapPost("/{id:long}/pause", (long id, RolloutActionRequest? request, ClaimsPrincipal user, RolloutService service, CancellationToken ct) =>
            ActAsync(request, r => service.PauseAsync(id, r, FleetClaims.Name(user), ct)));
        group.MapPost("/{id:long}/resume", (long id, RolloutActionRequest? request, ClaimsPrincipal user, RolloutService service, CancellationToken ct) =>
            ActAsync(request, r => service.ResumeAsync(id, r, FleetClaims.Name(user), ct)));
        group.MapPost("/{id:long}/promote", (long id, RolloutActionRequest? request, ClaimsPrincipal user, RolloutService service, CancellationToken ct) =>
            ActAsync(request, r => service.PromoteAsync(id, r, FleetClaims.Name(user), ct)));
        group.MapPost("/{id:long}/abort", (long id, RolloutActionRequest? request, ClaimsPrincipal user, RolloutService service, CancellationToken ct) =>
            ActAsync(request, r => service.AbortAsync(id, r, FleetClaims.Name(user), ct)));
        return app;
    }

    private static async Task<Results<Created<RolloutView>, ValidationProblem, ProblemHttpResult>> StartAsync(
        RolloutRequest? request, ClaimsPrincipal user, RolloutService service, IOptions<RolloutOptions> options, CancellationToken cancellationToken)
    {
        if (!RolloutPlanner.TryValidate(request, options.Value, out var valid, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid rollout");
        }

        var result = await service.StartAsync(valid, FleetClaims.Name(user), cancellationToken);
        return result.Outcome == RolloutOutcome.Done
            ? TypedResults.Created($"/api/rollouts/{result.Rollout!.Id.ToString(CultureInfo.InvariantCulture)}", result.Rollout)
            : Problem(result);
    }

    private static async Task<Results<Ok<RolloutView>, ValidationProblem, ProblemHttpResult>> ActAsync(RolloutActionRequest? request, Func<string?, Task<RolloutResult>> act)
    {
        var reason = string.IsNullOrWhiteSpace(request?.Reason) ? null : request.Reason.Trim();
        if (reason is { Length: > MaxReasonLength } || (reason?.Any(char.IsControl) ?? false))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [$"reason must be one line of at most {MaxReasonLength} characters."] }, title: "Invalid reason");
        }

        var result = await act(reason);
        return result.Outcome == RolloutOutcome.Done ? TypedResults.Ok(result.Rollout!) : Problem(result);
    }

    private static ProblemHttpResult Problem(RolloutResult result)
    {
        var (status, title) = result.Outcome switch
        {
            RolloutOutcome.Refused => (StatusCodes.Status422UnprocessableEntity, "Rollout refused"),
            RolloutOutcome.Conflict => (StatusCodes.Status409Conflict, "Devices already in a rollout"),
            RolloutOutcome.NotFound => (StatusCodes.Status404NotFound, "No such rollout"),
            RolloutOutcome.WrongStatus => (StatusCodes.Status409Conflict, "Not possible in this state"),
            _ => (StatusCodes.Status503ServiceUnavailable, "Model delivery unavailable"),
        };
        return TypedResults.Problem(statusCode: status, title: title, detail: string.Join(" ", result.Problems),
            extensions: new Dictionary<string, object?> { ["problems"] = result.Problems });
    }
}
