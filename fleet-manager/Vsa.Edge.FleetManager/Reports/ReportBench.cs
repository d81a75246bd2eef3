using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.CommandLine;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Reports;

/// <summary>
/// <c>vsa-fleet bench reports --db FILE [--alerts N]</c>: fills a new SQLite fleet database with one arrêté (4 cameras on 2
/// devices, 30 days, all eight events) and N alerts of its cameras (default 100,000; start and end messages written through
/// the ingestion's own <see cref="AlertBatchStore"/>, 1 % dismissed and 1 % confirmed through <see cref="AlertStore.DecideAsync(string, AlertDecisionKind, string?, string?, string, DateTimeOffset, CancellationToken)"/>),
/// then times the AIPD and the bilan (HTML and CSV) as the command and the API build them: collect + render, three runs each,
/// the median printed. Exit 0 done, 2 usage (the file exists already).
/// </summary>
public static class ReportBench
{
    /// <summary>The arrêté's reference in the bench database.</summary>
    public const string Reference = "BENCH-2026-0001";

    private const int BatchSize = 1000;

    /// <summary><c>vsa-fleet bench reports</c>.</summary>
    internal static Command Create(FleetConsole console)
    {
        var db = new Option<string>("--db") { Description = "A new SQLite file to fill", HelpName = "new sqlite file", Required = true };
        var alerts = CliOptions.IntIn("--alerts", 1, int.MaxValue, "How many alerts to write");
        alerts.DefaultValueFactory = _ => 100000;
        var reports = new Command("reports", "Fill a new SQLite fleet database with one arrêté and its alerts, then time the AIPD and the bilan (median of 3).") { db, alerts };
        reports.AcceptingConfiguration();
        reports.Description = $"{reports.Description}{Environment.NewLine}{CliConfigurationArguments.Help}";
        reports.SetAction(FleetCommandLine.Guarded(console.Error, (r, ct) =>
            RunAsync(r.GetRequiredValue(db), r.GetValue(alerts) ?? 100000, CliConfigurationArguments.Read(r), console.Output, console.Error, ct)));
        return new Command("bench", "Measurements on a scratch database.") { reports };
    }

    /// <summary>Runs the bench.</summary>
    private static async Task<int> RunAsync(string file, int count, IReadOnlyList<string> configuration, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (File.Exists(file))
        {
            await error.WriteLineAsync($"{Path.GetFullPath(file)} exists: the bench fills a new database.");
            return 2;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        using var host = FleetCommandLine.BuildHost(new DatabaseArguments(file, nameof(StorageProvider.Sqlite), configuration), s => s.AddSingleton<AlertStore>().AddSingleton<AlertBatchStore>());
        var services = host.Services;
        await services.GetRequiredService<MigrationRunner>().MigrateAsync(cancellationToken);
        var fill = Stopwatch.StartNew();
        await FillAsync(services, count, cancellationToken);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Filled {Path.GetFullPath(file)}: {count:N0} alerts of {Reference} in {fill.Elapsed.TotalSeconds:0.0} s ({new FileInfo(Path.GetFullPath(file)).Length / 1048576.0:0.0} MiB)."));

        var collector = services.GetRequiredService<ReportCollector>();
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
        foreach (var (kind, format) in new[] { ("aipd", "html"), ("bilan", "html"), ("bilan", "csv") })
        {
            var times = new List<double>();
            var size = 0;
            var raised = 0L;
            for (var run = 0; run < 3; run++)
            {
                var stopwatch = Stopwatch.StartNew();
                var data = await collector.CollectAsync(Reference, cancellationToken) ?? throw new InvalidOperationException("The bench arrêté is missing.");
                var rendered = ReportEndpoints.Render(data, kind, format, zone, inlineStyle: true) ?? throw new InvalidOperationException($"No renderer for {kind} {format}.");
                times.Add(stopwatch.Elapsed.TotalMilliseconds);
                size = rendered.Text.Length;
                raised = data.Evaluation.Total.Raised;
            }

            times.Sort();
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"report {kind} {format}: {times[1],7:0} ms median of 3 (min {times[0]:0}, max {times[2]:0}); {raised:N0} alerts counted, {size:N0} characters."));
        }

        return 0;
    }

    private static async Task FillAsync(IServiceProvider services, int count, CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<FleetDatabase>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var start = now.AddDays(-30);
        AuthorisedCamera[] cameras = [new("pole-1", "cam-1"), new("pole-1", "cam-2"), new("pole-2", "cam-1"), new("pole-2", "cam-2")];
        var events = Enum.GetValues<EventType>();
        var authorisation = new ValidAuthorisation(Reference, "Police municipale (banc d'essai)", [.. events.Select(WireNames.Of)], cameras, start, now.AddDays(30), null, "Préfet (banc d'essai)", "Mesure du temps de génération des rapports");
        await database.InTransactionAsync((c, t) => services.GetRequiredService<AuthorisationStore>().InsertAsync(c, t, authorisation, "bench", now, cancellationToken), cancellationToken);

        var batches = services.GetRequiredService<AlertBatchStore>();
        var alerts = services.GetRequiredService<AlertStore>();
        var step = (now - start).Ticks / count;
        var random = new Random(20261207);
        for (var first = 0; first < count; first += BatchSize)
        {
            var messages = new List<(AlertMessage, DateTimeOffset)>(2 * BatchSize);
            for (var i = first; i < Math.Min(count, first + BatchSize); i++)
            {
                var camera = cameras[i % cameras.Length];
                var at = start.AddTicks(step * i);
                var alert = Alert(camera, events[random.Next(events.Length)], at);
                messages.Add((alert, at));
            }

            // The end messages in a second batch: one batch holds each alert once.
            var ends = messages.Select(m => (m.Item1 with { MessageId = Guid.NewGuid().ToString("N"), Sequence = 1, State = AlertState.End, ObservedAt = m.Item2.AddSeconds(5), EndedAt = m.Item2.AddSeconds(5), EndReason = AlertEndReason.Cleared }, m.Item2.AddSeconds(5))).ToList();
            await database.InTransactionAsync(async (c, t) => (await batches.ApplyAsync(c, t, messages, cancellationToken), await batches.ApplyAsync(c, t, ends, cancellationToken)), cancellationToken);
            for (var i = 0; i < messages.Count / 100; i++)
            {
                // 1 % dismissed, 1 % confirmed.
                var (message, at) = messages[2 * i];
                await alerts.DecideAsync(message.AlertId, AlertDecisionKind.Dismissed, "fausse alerte (banc)", null, "bench", at.AddMinutes(1), cancellationToken);
                (message, at) = messages[(2 * i) + 1];
                await alerts.DecideAsync(message.AlertId, AlertDecisionKind.Confirmed, null, null, "bench", at.AddSeconds(40), cancellationToken);
            }
        }
    }

    private static AlertMessage Alert(AuthorisedCamera camera, EventType type, DateTimeOffset at) => new(
        AlertMessage.SchemaId,
        AlertMessage.CurrentVersion,
        Guid.NewGuid().ToString("N"),
        Guid.NewGuid().ToString("N"),
        0,
        camera.DeviceId,
        camera.CameraId,
        type,
        AlertState.Start,
        at,
        at,
        null,
        "zone-1",
        0.8,
        new Measurement("duration", 2.0, "s"),
        [new AlertObject("person", 0.8, [0.1, 0.2, 0.05, 0.2], 1)],
        new ModelRef("nanodet-coco", "1"));
}
