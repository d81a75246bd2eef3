using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Vsa.Edge.FleetManager.Evaluation;

/// <summary>HTTP endpoints of the evaluation (any signed-in account: operators, admins and auditors read it).</summary>
public static class EvaluationEndpoints
{
    /// <summary>Period used when <c>from</c> is not given: the 30 days before <c>to</c>.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);

    /// <summary>Longest period accepted (a little over a year: the décret's evaluation is yearly at most).</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(400);

    /// <summary>Registers the store.</summary>
    public static IHostApplicationBuilder AddFleetEvaluation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EvaluationStore>();
        return builder;
    }

    /// <summary>Maps <c>GET /api/evaluation?from&amp;to</c> (JSON) <c>GET /api/evaluation.csv?from&amp;to</c> and <c>GET /api/evaluation/decisions</c> (<see cref="DecisionBreakdownEndpoint"/>).</summary>
    public static IEndpointRouteBuilder MapEvaluationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/evaluation", GetAsync).WithName("GetEvaluation");
        app.MapGet("/api/evaluation.csv", GetCsvAsync).WithName("GetEvaluationCsv");
        app.MapDecisionBreakdown();
        return app;
    }

    /// <summary>Parses <c>from</c> and <c>to</c> (ISO 8601); <c>to</c> defaults to now and <c>from</c> to 30 days before it.</summary>
    public static bool TryParsePeriod(string? from, string? to, DateTimeOffset now, out DateTimeOffset start, out DateTimeOffset end, out Dictionary<string, string[]> errors)
    {
        errors = [];
        end = now;
        start = now - DefaultPeriod;
        if (to is not null && !TryParseInstant(to, out end))
        {
            errors["to"] = ["to must be an ISO 8601 date and time, for example 2025-07-01T00:00:00Z."];
            end = now;
        }

        if (from is null)
        {
            start = end - DefaultPeriod;
        }
        else if (!TryParseInstant(from, out start))
        {
            errors["from"] = ["from must be an ISO 8601 date and time, for example 2025-06-01T00:00:00Z."];
        }

        if (errors.Count == 0 && start >= end)
        {
            errors["from"] = ["from must be before to."];
        }
        else if (errors.Count == 0 && end - start > MaxPeriod)
        {
            errors["from"] = [$"the period must be at most {MaxPeriod.TotalDays:0} days."];
        }

        return errors.Count == 0;
    }

    /// <summary>The report as CSV (RFC 4180: header, comma separated, CRLF line ends, quoted where needed; invariant culture).</summary>
    public static string ToCsv(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var csv = new StringBuilder();
        csv.Append("scope,event_type,device_id,camera_id,raised,confirmed,dismissed,pending,precision,median_seconds_to_decision,period_from,period_to\r\n");
        Append(csv, "total", report.Total, report);
        foreach (var row in report.ByEventType)
        {
            Append(csv, "event_type", row, report);
        }

        foreach (var row in report.ByCamera)
        {
            Append(csv, "camera", row, report);
        }

        foreach (var row in report.ByCameraAndEventType)
        {
            Append(csv, "camera_event_type", row, report);
        }

        return csv.ToString();
    }

    /// <summary>
    /// One CSV field: a leading <c>'</c> when it starts with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage
    /// return (a spreadsheet would run it as a formula: camera ids come from devices), then quoted when it holds a comma, a
    /// quote, or a line break, with quotes doubled (RFC 4180 §2.6–2.7).
    /// </summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }

    private static void Append(StringBuilder csv, string scope, EvaluationRow row, EvaluationReport report)
    {
        string[] fields =
        [
            scope,
            row.EventType is { } eventType ? Storage.WireNames.Of(eventType) : string.Empty,
            row.DeviceId ?? string.Empty,
            row.CameraId ?? string.Empty,
            row.Raised.ToString(CultureInfo.InvariantCulture),
            row.Confirmed.ToString(CultureInfo.InvariantCulture),
            row.Dismissed.ToString(CultureInfo.InvariantCulture),
            row.Pending.ToString(CultureInfo.InvariantCulture),
            row.Precision?.ToString("0.####", CultureInfo.InvariantCulture) ?? string.Empty,
            row.MedianSecondsToDecision?.ToString("0.###", CultureInfo.InvariantCulture) ?? string.Empty,
            report.From.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            report.To.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ];
        csv.AppendJoin(',', fields.Select(Field)).Append("\r\n");
    }

    private static bool TryParseInstant(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    private static async Task<Results<Ok<EvaluationReport>, ValidationProblem>> GetAsync(
        EvaluationStore store, TimeProvider timeProvider, string? from, string? to, CancellationToken cancellationToken)
    {
        if (!TryParsePeriod(from, to, timeProvider.GetUtcNow(), out var start, out var end, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid evaluation period");
        }

        return TypedResults.Ok(await store.EvaluateAsync(start, end, cancellationToken));
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem>> GetCsvAsync(
        EvaluationStore store, TimeProvider timeProvider, string? from, string? to, CancellationToken cancellationToken)
    {
        if (!TryParsePeriod(from, to, timeProvider.GetUtcNow(), out var start, out var end, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid evaluation period");
        }

        var report = await store.EvaluateAsync(start, end, cancellationToken);
        var name = string.Create(CultureInfo.InvariantCulture, $"evaluation-{start.UtcDateTime:yyyyMMdd'T'HHmm}-{end.UtcDateTime:yyyyMMdd'T'HHmm}.csv");

        // UTF-8 without a byte-order mark: RFC 4180 and every CSV reader of the kind an evaluation team uses accept it.
        return TypedResults.File(new UTF8Encoding(false).GetBytes(ToCsv(report)), "text/csv; charset=utf-8; header=present", name);
    }
}
