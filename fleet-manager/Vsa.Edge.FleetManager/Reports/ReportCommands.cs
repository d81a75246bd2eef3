using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using Vsa.Edge.CommandLine;
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
    /// <summary><c>vsa-fleet report aipd|bilan</c>.</summary>
    internal static Command Create(FleetConsole console) =>
        new("report", "A document of one authorisation (arrêté), on standard output or in a file, its stylesheet inline.")
        {
            Kind(console, "aipd", "The AIPD (data protection impact assessment) of the authorisation, in HTML.", "html"),
            Kind(console, "bilan", "The bilan (the evaluation report) of the authorisation, in HTML or CSV.", "html", "csv"),
        };

    private static Command Kind(FleetConsole console, string kind, string description, params string[] formats)
    {
        var database = new DatabaseOptions();
        var authorisation = new Option<string>("--authorisation") { Description = "The reference of the arrêté", Required = true };
        authorisation.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>()))
            {
                r.AddError("option '--authorisation' needs the reference of the arrêté, not a blank");
            }
        });
        var format = CliValueOptions.OneOf("--format", "The document's format", formats);
        format.DefaultValueFactory = _ => "html";
        var output = new Option<string>("--out") { Description = "Write the document to this file rather than to standard output", HelpName = "file" };
        var command = new Command(kind, description) { authorisation, format, output };
        database.AddTo(command);
        command.SetAction(FleetCommandLine.Guarded(console.Error, (r, ct) => RunAsync(
            kind, r.GetRequiredValue(authorisation), r.GetRequiredValue(format), r.GetValue(output), database.Read(r), console.Output, console.Error, ct)));
        return command;
    }

    private static async Task<int> RunAsync(string kind, string reference, string format, string? path, DatabaseArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var host = FleetCommandLine.BuildHost(arguments);
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
            throw new CliUsageException($"Unknown report '{kind}' in format '{format}': aipd (html), bilan (html or csv).");
        }

        if (path is not null)
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
