using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Evaluation;

/// <summary>
/// The decisions of a period broken down the way an auditor reads them: dismissals by reason (is the system often wrong,
/// or is it often right about something nobody needs?) and decisions by operator (who decides, how fast). Names people:
/// administrators and auditors only.
/// </summary>
/// <param name="From">Start of the period (inclusive), on the fleet clock, by <c>received_at</c> as the evaluation.</param>
/// <param name="To">End of the period (exclusive).</param>
/// <param name="ByReason">Dismissed alerts per reason (wire names: <c>false_detection</c>, …), most frequent first.</param>
/// <param name="ByOperator">Decisions per account, by name.</param>
public sealed record DecisionBreakdown(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<DismissalReasonRow> ByReason, IReadOnlyList<OperatorRow> ByOperator);

/// <summary>Dismissed alerts with one reason.</summary>
/// <param name="Reason">The reason's wire name.</param>
/// <param name="Dismissed">How many.</param>
public sealed record DismissalReasonRow(string Reason, int Dismissed);

/// <summary>What one account decided in the period.</summary>
/// <param name="Operator">Account name.</param>
/// <param name="Confirmed">Alerts it confirmed.</param>
/// <param name="Dismissed">Alerts it dismissed.</param>
/// <param name="MedianSecondsToDecision">Median of (decided at − received at), in seconds.</param>
public sealed record OperatorRow(string Operator, int Confirmed, int Dismissed, double? MedianSecondsToDecision);

/// <summary>Reads and counts the decisions of a period; maps <c>GET /api/evaluation/decisions?from&amp;to</c>.</summary>
public static class DecisionBreakdownEndpoint
{
    /// <summary>Maps the endpoint (administrators and auditors).</summary>
    public static IEndpointRouteBuilder MapDecisionBreakdown(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/evaluation/decisions", GetAsync).RequireAuthorization(Accounts.FleetPolicies.ReadAudit).WithName("GetDecisionBreakdown");
        return app;
    }

    /// <summary>Counts the decided alerts received in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static async Task<DecisionBreakdown> BuildAsync(FleetDatabase database, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var dialect = database.Dialect;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var operators = new Dictionary<string, Tally>(StringComparer.Ordinal);
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await using var command = connection.Sql(null, """
                SELECT decision, decision_reason, decided_by, received_at, decided_at FROM alerts
                WHERE received_at >= @from AND received_at < @to AND decision IS NOT NULL;
                """);
            dialect.AddTime(command, "@from", from);
            dialect.AddTime(command, "@to", to);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var c = reader.Columns(dialect);
            while (await reader.ReadAsync(cancellationToken))
            {
                var confirmed = string.Equals(c.String("decision"), "confirmed", StringComparison.Ordinal);
                var by = c.StringOrNull("decided_by") ?? "?";
                if (!operators.TryGetValue(by, out var row))
                {
                    operators[by] = row = new Tally();
                }

                if (confirmed)
                {
                    row.Confirmed++;
                }
                else
                {
                    row.Dismissed++;
                }

                if (c.TimeOrNull("decided_at") is { } decidedAt)
                {
                    row.Seconds.Add((decidedAt - c.Time("received_at")).TotalSeconds);
                }

                if (!confirmed)
                {
                    var reason = c.StringOrNull("decision_reason") ?? "other";
                    reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                }
            }
        }

        return new DecisionBreakdown(
            from,
            to,
            [.. reasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Select(r => new DismissalReasonRow(r.Key, r.Value))],
            [.. operators.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => new OperatorRow(o.Key, o.Value.Confirmed, o.Value.Dismissed, Median(o.Value.Seconds)))]);
    }

    private sealed class Tally
    {
        public int Confirmed { get; set; }

        public int Dismissed { get; set; }

        public List<double> Seconds { get; } = [];
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static async Task<Results<Ok<DecisionBreakdown>, ValidationProblem>> GetAsync(
        FleetDatabase database, TimeProvider timeProvider, string? from, string? to, CancellationToken cancellationToken)
    {
        if (!EvaluationEndpoints.TryParsePeriod(from, to, timeProvider.GetUtcNow(), out var start, out var end, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid evaluation period");
        }

        return TypedResults.Ok(await BuildAsync(database, start, end, cancellationToken));
    }
}
