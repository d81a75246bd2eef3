using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Register;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Suspensions;

namespace Vsa.Edge.FleetManager.Reports;

/// <summary>The documents a city files, for one authorisation: the AIPD and the evaluation report (bilan).</summary>
public static class ReportEndpoints
{
    /// <summary>Registers the collector (the web host registers its sources elsewhere).</summary>
    public static IHostApplicationBuilder AddFleetReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ReportCollector>();
        return builder;
    }

    /// <summary>The collector and everything it reads, for the command line (no web host): each only when not registered yet.</summary>
    public static IServiceCollection AddFleetReportSources(this IServiceCollection services)
    {
        services.AddOptions<BrokerOptions>().BindConfiguration(BrokerOptions.SectionName);
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateDataAnnotations();
        services.AddOptions<RegisterOptions>().BindConfiguration(RegisterOptions.SectionName).ValidateDataAnnotations();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RegisterOptions>, RegisterOptionsValidator>());
        services.TryAddSingleton<AuthorisationStore>();
        services.TryAddSingleton<ConfigStore>();
        services.TryAddSingleton<CameraDirectory>();
        services.TryAddSingleton<SuspensionStore>();
        services.TryAddSingleton<ReportCollector>();
        return services;
    }

    /// <summary>
    /// Maps <c>GET /api/reports/aipd?authorisation=REF</c> (HTML) and <c>GET /api/reports/bilan?authorisation=REF[&amp;format=csv]</c>
    /// (HTML or CSV), for administrators and auditors. The reference only selects the arrêté: the document shows what is stored.
    /// </summary>
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/reports/{kind}", GetAsync).RequireAuthorization(FleetPolicies.ReadAudit).WithName("GetReport");
        return app;
    }

    /// <summary>Renders a report; null when <paramref name="kind"/> or <paramref name="format"/> is unknown.</summary>
    public static (string Text, string ContentType, string Extension)? Render(ReportData data, string kind, string format, TimeZoneInfo zone, bool inlineStyle) => (kind, format) switch
    {
        ("aipd", "html") => (AipdDocument.Render(data, zone, inlineStyle), "text/html; charset=utf-8", "html"),
        ("bilan", "html") => (BilanDocument.Render(data, zone, inlineStyle), "text/html; charset=utf-8", "html"),
        ("bilan", "csv") => (BilanDocument.ToCsv(data), "text/csv; charset=utf-8; header=present", "csv"),
        _ => null,
    };

    /// <summary>The file name of a report ("aipd-2026-DPG-0412.html"), the reference reduced to safe characters.</summary>
    public static string FileName(string kind, string reference, string extension)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var safe = new string([.. reference.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
        return string.Create(CultureInfo.InvariantCulture, $"{kind}-{safe}.{extension}");
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetAsync(
        string kind, string? authorisation, string? format, ReportCollector collector, IOptions<RegisterOptions> register, CancellationToken cancellationToken)
    {
        format ??= "html";
        if (kind is not ("aipd" or "bilan") || format is not ("html" or "csv") || (kind == "aipd" && format == "csv"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["Reports are aipd (html) and bilan (html or csv)."] }, title: "Unknown report");
        }

        if (string.IsNullOrWhiteSpace(authorisation) || authorisation.Length > AuthorisationRules.MaxLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["authorisation"] = ["authorisation must be the reference of a recorded arrêté."] }, title: "Invalid report request");
        }

        var data = await collector.CollectAsync(authorisation, cancellationToken);
        if (data is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Authorisation not found", detail: "No recorded authorisation has that reference.");
        }

        var (text, contentType, extension) = Render(data, kind, format, TimeZoneInfo.FindSystemTimeZoneById(register.Value.TimeZone), inlineStyle: false)!.Value;
        return TypedResults.File(new UTF8Encoding(false).GetBytes(text), contentType, format == "csv" ? FileName(kind, data.Authorisation.Reference, extension) : null);
    }
}
