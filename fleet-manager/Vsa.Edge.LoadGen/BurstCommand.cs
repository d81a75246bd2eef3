using System.CommandLine;
using System.Globalization;

namespace Vsa.Edge.LoadGen;

/// <summary>The alert burst, once per storage (<see cref="Scenarios.AlertBurstAsync"/>): its options and its report.</summary>
internal sealed class BurstCommand
{
    private readonly Option<int> _devices = LoadGenCommands.Int("--devices", 50, "simulated devices (1–2000)");
    private readonly Option<int> _alerts = LoadGenCommands.Int("--alerts", 200, "alerts each device publishes (1–10000)");
    private readonly Option<int> _inFlight = LoadGenCommands.Int("--in-flight", 10, "unacknowledged alerts per device at once (1–100)");
    private readonly Option<int> _warmup = LoadGenCommands.Int("--warmup", 0, "alerts per device stored and delivered before the clock starts, not counted (0–10000)");
    private readonly Option<string> _storage = new("--storage")
    {
        Description = "the fleet's storages, one burst each", DefaultValueFactory = _ => "sqlite,postgres", HelpName = "sqlite,postgres",
    };

    private readonly Option<bool> _mosquittoDefaults = new("--mosquitto-defaults") { Description = "Mosquitto with its default limits (it then loses QoS 1 messages)" };
    private readonly Option<bool> _embedded = new("--embedded") { Description = "through the fleet's embedded broker instead of Mosquitto" };
    private readonly Option<bool> _noHeld = new("--no-held") { Description = "accepted, changes nothing (the held devices run only with --held)" };

    public BurstCommand(Command command)
    {
        foreach (var option in new Option[] { _devices, _alerts, _inFlight, _warmup, _storage, _mosquittoDefaults, _embedded, _noHeld })
        {
            command.Add(option);
        }
    }

    public async Task<int> RunAsync(ParseResult result, int timeoutSeconds, TextWriter output)
    {
        var options = new LoadOptions(
            Devices: Math.Clamp(result.GetValue(_devices), 1, 2000),
            AlertsPerDevice: Math.Clamp(result.GetValue(_alerts), 1, 10000),
            InFlight: Math.Clamp(result.GetValue(_inFlight), 1, 100),
            Timeout: TimeSpan.FromSeconds(Math.Clamp(timeoutSeconds, 1, 1800)),
            WarmupAlertsPerDevice: Math.Clamp(result.GetValue(_warmup), 0, 10000));
        var storages = result.GetRequiredValue(_storage).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var mosquittoDefaults = result.GetValue(_mosquittoDefaults);
        var embedded = result.GetValue(_embedded);

        await output.WriteLineAsync($"vsa-fleet load test, {Environment.ProcessorCount} CPUs, loopback; Mosquitto with {(mosquittoDefaults ? "its default limits" : Scenarios.MosquittoLimits.ReplaceLineEndings("; "))}");
        var failed = false;
        foreach (var storage in storages)
        {
            var r = await Scenarios.AlertBurstAsync(storage, options, mosquittoDefaults, embedded, output);
            failed |= r.Stored != r.Sent || r.AlertRows != r.Sent;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"[{r.Storage}] {r.Sent} alerts sent, {r.Stored} messages stored ({r.Sent - r.Stored} lost), {r.AlertRows} alerts; " +
                $"published in {r.Published.TotalSeconds:F2} s ({r.PublishRate:F0}/s acknowledged by {(embedded ? "the embedded broker" : "Mosquitto")}); " +
                $"all stored after {r.AllStored.TotalSeconds:F2} s: {r.FleetRate:F0} alerts/s sustained into the fleet; " +
                $"plain subscriber got {r.SubscriberReceived} in {r.SubscriberDone.TotalSeconds:F2} s ({r.SubscriberRate:F0}/s)" +
                $"{(r.SubscriberLost is null ? string.Empty : $", then was disconnected: {r.SubscriberLost}")}; fleet RSS {r.FleetMiB:F0} MiB{Environment.NewLine}" +
                $"[{r.Storage}] ratio fleet / plain subscriber = {r.Ratio:F2} (load average {r.LoadAverage}); processor time per 1,000 alerts: {r.Cpu?.PerThousand(r.Sent)}"));
        }

        return failed ? 1 : 0;
    }
}
