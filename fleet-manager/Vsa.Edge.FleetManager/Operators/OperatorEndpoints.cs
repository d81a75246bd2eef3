using System.Data.Common;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Operators;

/// <summary>Source-generated JSON of the operator console's endpoints and live events.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ClaimRequest))]
[JsonSerializable(typeof(IReadOnlyList<ClaimView>))]
[JsonSerializable(typeof(IncidentDecisionRequest))]
[JsonSerializable(typeof(ConsoleSettings))]
[JsonSerializable(typeof(IReadOnlyList<TrackPoint>))]
public sealed partial class OperatorJsonContext : JsonSerializerContext;

/// <summary>Live event names of the operator console.</summary>
public static class OperatorLiveEvents
{
    /// <summary>Claims changed; data is a list of <see cref="ClaimView"/> (claimedBy null when released).</summary>
    public const string Claims = "claims";
}

/// <summary>
/// The operator console's endpoints: its settings, claims (<c>GET|POST /api/claims</c>) and the decision of a whole
/// incident (<c>POST /api/alerts/decisions</c>), one decision per alert in one transaction.
/// </summary>
public static class OperatorEndpoints
{
    /// <summary>Registers the claim store and <see cref="ConsoleOptions"/> (validated on start).</summary>
    public static IHostApplicationBuilder AddFleetOperators(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConsoleOptions>, ConsoleOptionsValidator>();
        builder.Services.AddSingleton<ClaimStore>();
        builder.Services.AddSingleton<AlertTrackReader>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(OperatorJsonContext.Default));
        return builder;
    }

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapOperatorsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/console/settings", (IOptions<ConsoleOptions> options) => TypedResults.Ok(Settings(options.Value)));
        app.MapGet("/api/alerts/{alertId}/track", async (string alertId, AlertTrackReader tracks, CancellationToken ct) => TypedResults.Ok(await tracks.ReadAsync(alertId, ct)));
        app.MapGet("/api/claims", async (ClaimStore store, CancellationToken ct) => TypedResults.Ok(await store.ListActiveAsync(ct)));
        app.MapPost("/api/claims", ClaimAsync).RequireAuthorization(FleetPolicies.DecideAlerts);
        app.MapPost("/api/alerts/decisions", DecideIncidentAsync).RequireAuthorization(FleetPolicies.DecideAlerts);
        return app;
    }

    private static ConsoleSettings Settings(ConsoleOptions o) => new(
        o.UndoSeconds, o.IncidentGapSeconds, o.IncidentGapSecondsByEvent, o.ReactivationMinutes, o.EscalateAfterSeconds,
        o.EscalationRepeatSeconds, o.PriorityByEvent, o.PriorityByCamera, o.VmsLeadInSeconds);

    private static async Task<Results<Ok<IReadOnlyList<ClaimView>>, ValidationProblem, ProblemHttpResult>> ClaimAsync(
        ClaimRequest request, ClaimsPrincipal user, ClaimStore store, AccountStore accounts, LiveBroadcaster live, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        ClaimRules.CheckAlertIds(request?.AlertIds, errors);
        if (request?.Action is not ("claim" or "release" or "handover"))
        {
            errors["action"] = ["action must be claim, release or handover."];
        }
        else if (request.Action == "handover" && string.IsNullOrWhiteSpace(request.To))
        {
            errors["to"] = ["to must name the operator the alert is handed to."];
        }

        if (request?.Note is { Length: > ClaimRules.MaxNoteLength })
        {
            errors["note"] = [$"note must be at most {ClaimRules.MaxNoteLength} characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid claim");
        }

        var actor = FleetClaims.Name(user);
        string? to = null;
        if (request!.Action == "handover")
        {
            var colleague = await accounts.FindAsync(request.To!.Trim(), cancellationToken);
            if (colleague is null || colleague.View.Disabled || colleague.View.Role != Role.Operator)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = [$"'{request.To}' is not an active operator account."] }, title: "Invalid claim");
            }

            to = colleague.View.Name;
        }

        try
        {
            var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
            var claims = await store.ApplyAsync(actor, request.Action!, request.AlertIds!, to, note, time.GetUtcNow(), cancellationToken);
            live.Publish(new LiveEvent(OperatorLiveEvents.Claims, JsonSerializer.Serialize(claims, OperatorJsonContext.Default.IReadOnlyListClaimView)));
            return TypedResults.Ok(claims);
        }
        catch (ClaimConflictException conflict)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Claim refused", detail: conflict.Message);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<AlertView>>, ValidationProblem, ProblemHttpResult>> DecideIncidentAsync(
        IncidentDecisionRequest request, ClaimsPrincipal user, AlertStore alerts, FleetDatabase database, LiveBroadcaster live, TimeProvider time, CancellationToken cancellationToken)
    {
        if (user.FindFirstValue(FleetClaims.Method) != FleetClaims.PasswordMethod)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Interactive sign-in required", detail: AlertEndpoints.DecisionNeedsOperatorDetail);
        }

        AlertDecisionRules.TryValidate(new AlertDecisionRequest(request?.Decision, request?.Reason, request?.Comment), out var errors);
        ClaimRules.CheckAlertIds(request?.AlertIds, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid decision");
        }

        var reason = string.IsNullOrWhiteSpace(request!.Reason) ? null : request.Reason.Trim();
        var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
        var ids = request.AlertIds!;
        var at = time.GetUtcNow();
        try
        {
            var decided = await database.InTransactionAsync(async (DbConnection connection, DbTransaction transaction) =>
            {
                var views = new List<AlertView>(ids.Count);
                foreach (var alertId in ids)
                {
                    var (outcome, view) = await alerts.DecideAsync(connection, transaction, alertId, request.Decision!.Value, reason, comment, FleetClaims.Name(user), at, ids[0], cancellationToken);
                    if (outcome != DecideOutcome.Recorded)
                    {
                        throw new ClaimConflictException(outcome == DecideOutcome.NotFound
                            ? $"No alert has the id '{alertId}'; nothing was recorded."
                            : $"Alert '{alertId}' was already decided by {view!.Decision!.DecidedBy}; nothing was recorded, decide the others again.");
                    }

                    views.Add(view!);
                }

                return views;
            }, cancellationToken);
            foreach (var view in decided)
            {
                live.Publish(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(view, FleetJsonContext.Default.AlertView)));
            }

            return TypedResults.Ok<IReadOnlyList<AlertView>>(decided);
        }
        catch (ClaimConflictException conflict)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Incident not decided", detail: conflict.Message);
        }
    }
}
