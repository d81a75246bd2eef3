using System.CommandLine;
using System.Globalization;

namespace Vsa.Edge.LoadGen;

/// <summary>The alert burst, once per storage (<see cref="Scenarios.AlertBurstAsync"/>): its options and its report.</summary>
internal sealed class BurstCommand
{
    private readonly Option<int> _devices = LoadGenCommands.IntIn("--devices", 50, 1, 2000, "simulated devices");
    private readonly Option<int> _alerts = LoadGenCommands.IntIn("--alerts", 200, 1, 10000, "alerts each device publishes");
    private readonly Option<int> _inFlight = LoadGenCommands.IntIn("--in-flight", 10, 1, 100, "unacknowledged alerts per device at once");
    private readonly Option<int> _warmup = LoadGenCommands.IntIn("--warmup", 0, 0, 10000, "alerts per device stored and delivered before the clock starts, not counted");
    private readonly Option<int> _repeat = LoadGenCommands.IntIn("--repeat", 1, 1, 20, "bursts per storage, the storages taking turns; the ratio's median, lowest and highest are printed after");
    private readonly Option<IReadOnlyList<string>?> _storage = LoadGenCommands.Storages("--storage", "the fleet's storages, one burst each");

    private readonly Option<bool> _mosquittoDefaults = new("--mosquitto-defaults") { Description = "Mosquitto with its default limits (it then loses QoS 1 messages)" };
    private readonly Option<bool> _embedded = new("--embedded") { Description = "through the fleet's embedded broker instead of Mosquitto" };
    private readonly Option<bool> _noHeld = new("--no-held") { Description = "accepted, changes nothing (the held devices run only with --held)" };

    public BurstCommand(Command command)
    {
        foreach (var option in new Option[] { _devices, _alerts, _inFlight, _warmup, _repeat, _storage, _mosquittoDefaults, _embedded, _noHeld })
        {
            command.Add(option);
        }
    }

    public async Task<int> RunAsync(ParseResult result, int timeoutSeconds, TextWriter output)
    {
        var options = new LoadOptions(
            Devices: result.GetValue(_devices),
            AlertsPerDevice: result.GetValue(_alerts),
            InFlight: result.GetValue(_inFlight),
            Timeout: TimeSpan.FromSeconds(timeoutSeconds),
            WarmupAlertsPerDevice: result.GetValue(_warmup));
        var storages = result.GetValue(_storage) ?? ["sqlite", "postgres"];
        var mosquittoDefaults = result.GetValue(_mosquittoDefaults);
        var embedded = result.GetValue(_embedded);

        await output.WriteLineAsync($"vsa-fleet load test, {Environment.ProcessorCount} CPUs, loopback; Mosquitto with {(mosquittoDefaults ? "its default limits" : Scenarios.MosquittoLimits.ReplaceLineEndings("; "))}");
        var failed = false;
        var repeat = result.GetValue(_repeat);
        var ratios = storages.ToDictionary(s => s, _ => new List<BurstResult>(), StringComparer.Ordinal);
        for (var round = 0; round < repeat; round++)
        {
            foreach (var storage in storages)
            {
                var r = await Scenarios.AlertBurstAsync(storage, options, mosquittoDefaults, embedded, output);
                failed |= r.Stored != r.Sent || r.AlertRows != r.Sent;
                ratios[storage].Add(r);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[{r.Storage}] {r.Sent} alerts sent, {r.Stored} messages stored ({r.Sent - r.Stored} lost), {r.AlertRows} alerts; " +
                    $"published in {r.Published.TotalSeconds:F2} s ({r.PublishRate:F0}/s acknowledged by {(embedded ? "the embedded broker" : "Mosquitto")}); " +
                    $"all stored after {r.AllStored.TotalSeconds:F2} s: {r.FleetRate:F0} alerts/s sustained into the fleet; " +
                    $"plain subscriber got {r.SubscriberReceived} in {r.SubscriberDone.TotalSeconds:F2} s ({r.SubscriberRate:F0}/s)" +
                    $"{(r.SubscriberLost is null ? string.Empty : $", then was disconnected: {r.SubscriberLost}")}; fleet RSS {r.FleetMiB:F0} MiB{Environment.NewLine}" +
                    $"[{r.Storage}] ratio fleet / plain subscriber = {r.Ratio:F2} (load average {r.LoadAverage}); processor time per 1,000 alerts: {r.Cpu?.PerThousand(r.Sent)}"));
            }
        }

        if (repeat > 1)
        {
            // One burst on a shared 2-core machine varies by ±0.1: the median of several, taken in turns, is the figure.
            foreach (var (storage, runs) in ratios)
            {
                var sorted = runs.Select(r => r.Ratio).Order().ToList();
                var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[{runs[0].Storage}] ratio over {runs.Count} bursts: median {median:F2}, lowest {sorted[0]:F2}, highest {sorted[^1]:F2} ({string.Join(' ', runs.Select(r => r.Ratio.ToString("F2", CultureInfo.InvariantCulture)))})"));
            }
        }

        return failed ? 1 : 0;
    }
}
