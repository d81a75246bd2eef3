using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.CommandLine;
using Vsa.Edge.FleetManager.Register;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Reports;

/// <summary>
/// <c>vsa-fleet report aipd|bilan --authorisation REF [--format html|csv] [--out FILE]</c>: the document on stdout or in a
/// file, its stylesheet inline (a file read without the fleet). Exit 0 written, 1 no such authorisation, 2 usage.
/// </summary>
public static class ReportCommands
{
    /// <summary>Runs the command.</summary>
    public static async Task<int> RunAsync(string kind, Dictionary<string, string> flags, List<string> configuration, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(error);
        if (!flags.TryGetValue("--authorisation", out var reference) || string.IsNullOrWhiteSpace(reference))
        {
            return await FleetCommandLine.UsageAsync(error, "report needs --authorisation <reference of the arrêté>.");
        }

        var format = flags.GetValueOrDefault("--format", "html");
        using var host = FleetCommandLine.BuildHost(flags, configuration);
        var database = host.Services.GetRequiredService<FleetDatabase>();
        if (database.SqliteFile is { } file && !File.Exists(file))
        {
            await error.WriteLineAsync($"No database at {file}.");
            return 2;
        }

        var stopwatch = Stopwatch.StartNew();
        var data = await host.Services.GetRequiredService<ReportCollector>().CollectAsync(reference, cancellationToken);
        if (data is null)
        {
            await error.WriteLineAsync($"No authorisation with the reference '{reference}' in {database.Description}.");
            return 1;
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(host.Services.GetRequiredService<IOptions<RegisterOptions>>().Value.TimeZone);
        if (ReportEndpoints.Render(data, kind, format, zone, inlineStyle: true) is not { } rendered)
        {
            return await FleetCommandLine.UsageAsync(error, $"Unknown report '{kind}' in format '{format}': aipd (html), bilan (html or csv).");
        }

        if (flags.TryGetValue("--out", out var path))
        {
            await File.WriteAllTextAsync(path, rendered.Text, new UTF8Encoding(false), cancellationToken);
            await error.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Wrote {Path.GetFullPath(path)}: {kind} of {data.Authorisation.Reference}, {data.Evaluation.Total.Raised} alerts, {rendered.Text.Length} characters, in {stopwatch.Elapsed.TotalMilliseconds:0} ms."));
        }
        else
        {
            await output.WriteAsync(rendered.Text);
        }

        return 0;
    }
}
