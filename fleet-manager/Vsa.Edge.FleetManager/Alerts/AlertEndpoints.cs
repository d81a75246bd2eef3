using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Live;

namespace Vsa.Edge.FleetManager.Alerts;

/// <summary>HTTP endpoints of the alerts.</summary>
public static class AlertEndpoints
{
    /// <summary>Number of alerts returned when <c>limit</c> is not given.</summary>
    public const int DefaultLimit = 50;

    /// <summary>
    /// Largest <c>limit</c> accepted: enough for every alert a CSU can leave waiting on a busy day, in one page the console
    /// can hold; beyond it, the <see cref="TruncatedHeader"/> says so and the client pages on with <c>since</c>.
    /// </summary>
    public const int MaxLimit = 5000;

    /// <summary>Detail of the 403 answered when a decision arrives with an API token instead of an interactive sign-in.</summary>
    public const string DecisionNeedsOperatorDetail = "Decisions need an operator signed in interactively (password sign-in); API tokens cannot confirm or dismiss alerts.";

    /// <summary>Response header of <c>GET /api/alerts</c>: <c>true</c> when more alerts match than the page holds.</summary>
    public const string TruncatedHeader = "Vsa-Truncated";

    /// <summary>
    /// Maps <c>GET /api/alerts</c> and <c>GET /api/alerts/{alertId}</c> (any signed-in account) and
    /// <c>POST /api/alerts/{alertId}/decision</c> (operators signed in with a password, never an API token).
    /// </summary>
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts");
        alerts.MapGet("/", ListAsync).WithName("ListAlerts");
        alerts.MapGet("/{alertId}", GetAsync).WithName("GetAlert");
        alerts.MapPost("/{alertId}/decision", DecideAsync).RequireAuthorization(FleetPolicies.DecideAlerts).WithName("DecideAlert");
        return app;
    }

    /// <summary>Parses the query string of <c>GET /api/alerts</c>; the errors are keyed by parameter name.</summary>
    public static bool TryParseQuery(string? limit, string? since, string? deviceId, string? cameraId, out AlertQuery query, out Dictionary<string, string[]> errors) =>
        TryParseQuery(limit, since, deviceId, cameraId, null, null, out query, out errors);

    /// <summary>Parses the query string of <c>GET /api/alerts</c> with its decision filter and order; the errors are keyed by parameter name.</summary>
    public static bool TryParseQuery(string? limit, string? since, string? deviceId, string? cameraId, string? decision, string? order, out AlertQuery query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var parsedLimit = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out parsedLimit) || parsedLimit is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."];
        }

        DateTimeOffset? parsedSince = null;
        if (since is not null)
        {
            if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            {
                parsedSince = value;
            }
            else
            {
                errors["since"] = ["since must be an ISO 8601 date and time, for example 2025-06-01T08:00:00Z."];
            }
        }

        if (deviceId is { Length: 0 })
        {
            errors["deviceId"] = ["deviceId must not be empty."];
        }

        if (cameraId is { Length: 0 })
        {
            errors["cameraId"] = ["cameraId must not be empty."];
        }

        var parsedDecision = decision switch
        {
            null or "any" => AlertDecisionFilter.Any,
            "pending" => AlertDecisionFilter.Pending,
            "decided" => AlertDecisionFilter.Decided,
            _ => (AlertDecisionFilter?)null,
        };
        if (parsedDecision is null)
        {
            errors["decision"] = ["decision must be pending, decided or any."];
        }

        var parsedOrder = order switch
        {
            null or "newest" => AlertOrder.NewestFirst,
            "oldest" => AlertOrder.OldestFirst,
            _ => (AlertOrder?)null,
        };
        if (parsedOrder is null)
        {
            errors["order"] = ["order must be newest or oldest."];
        }

        query = new AlertQuery(parsedLimit, parsedSince, deviceId, cameraId, parsedDecision ?? AlertDecisionFilter.Any, parsedOrder ?? AlertOrder.NewestFirst);
        return errors.Count == 0;
    }

    private static async Task<Results<Ok<IReadOnlyList<AlertView>>, ValidationProblem>> ListAsync(
        AlertStore store, HttpResponse response, string? limit, string? since, string? deviceId, string? cameraId, string? decision, string? order, CancellationToken cancellationToken)
    {
        if (!TryParseQuery(limit, since, deviceId, cameraId, decision, order, out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid alert query");
        }

        var page = await store.QueryPageAsync(query, cancellationToken);
        response.Headers[TruncatedHeader] = page.Truncated ? "true" : "false";
        return TypedResults.Ok(page.Alerts);
    }

    private static async Task<Results<Ok<AlertView>, ProblemHttpResult>> GetAsync(AlertStore store, string alertId, CancellationToken cancellationToken)
    {
        var alert = await store.FindAsync(alertId, cancellationToken);
        return alert is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Alert not found", detail: $"No alert has the id '{alertId}'.")
            : TypedResults.Ok(alert);
    }

    private static async Task<Results<Ok<AlertView>, ValidationProblem, ProblemHttpResult>> DecideAsync(
        string alertId, AlertDecisionRequest request, ClaimsPrincipal user, AlertStore store, LiveBroadcaster live, Metrics.FleetMetrics metrics, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        // The law wants a human to confirm or dismiss every alert: an API token (a script) cannot decide.
        if (user.FindFirstValue(FleetClaims.Method) != FleetClaims.PasswordMethod)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Interactive sign-in required", detail: DecisionNeedsOperatorDetail);
        }

        if (!AlertDecisionRules.TryValidate(request, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid decision");
        }

        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
        var (outcome, alert) = await store.DecideAsync(alertId, request.Decision!.Value, reason, comment, FleetClaims.Name(user), timeProvider.GetUtcNow(), cancellationToken);
        switch (outcome)
        {
            case DecideOutcome.Recorded:
                metrics.Decided(alert!.ReceivedAt);
                live.Publish(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(alert!, FleetJsonContext.Default.AlertView)));
                return TypedResults.Ok(alert!);
            case DecideOutcome.NotFound:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Alert not found", detail: $"No alert has the id '{alertId}'.");
            default:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Alert already decided",
                    detail: $"The alert was {(alert!.Decision!.Decision == AlertDecisionKind.Confirmed ? "confirmed" : "dismissed")} by {alert.Decision.DecidedBy} at {alert.Decision.DecidedAt:O}; a decision is final.");
        }
    }
}

/// <summary>Registers the alert store.</summary>
public static class AlertsExtensions
{
    /// <summary>Registers <see cref="AlertStore"/>.</summary>
    public static IHostApplicationBuilder AddFleetAlerts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AlertStore>();
        builder.Services.AddOptions<InterruptedAlertsOptions>()
            .BindConfiguration(InterruptedAlertsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<InterruptedAlertsService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InterruptedAlertsService>());
        return builder;
    }
}
