using System.Globalization;
using Vsa.Edge.LoadGen;

// vsa-fleet-loadgen: loopback only, bounded counts and time. See README.md beside this file.
var arguments = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a, p => p.i + 1 < args.Length ? args[p.i + 1] : string.Empty, StringComparer.Ordinal);
if (args is ["model-devices", ..])
{
    // Simulated devices answering rollouts (ModelDevices.cs): a separate mode, not a measurement.
    return await ModelDevices.RunAsync(arguments, Console.In, Console.Out);
}

// --held N: the held-devices scenario alone (HeldDevicesCommand), on Mosquitto and on the embedded broker.
if (arguments.ContainsKey("--held"))
{
    return await HeldDevicesCommand.RunAsync(arguments, Console.Out);
}

int Int(string name, int fallback, int max) =>
    Math.Clamp(arguments.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback, 1, max);

var options = new LoadOptions(
    Devices: Int("--devices", 50, 2000),
    AlertsPerDevice: Int("--alerts", 200, 10000),
    InFlight: Int("--in-flight", 10, 100),
    Timeout: TimeSpan.FromSeconds(Int("--timeout-seconds", 180, 1800)),
    WarmupAlertsPerDevice: arguments.TryGetValue("--warmup", out var warm) ? Math.Clamp(int.Parse(warm, CultureInfo.InvariantCulture), 0, 10000) : 0);
var storages = (arguments.GetValueOrDefault("--storage") ?? "sqlite,postgres").Split(',', StringSplitOptions.RemoveEmptyEntries);
var mosquittoDefaults = arguments.ContainsKey("--mosquitto-defaults");
var embedded = arguments.ContainsKey("--embedded");

Console.WriteLine($"vsa-fleet load test, {Environment.ProcessorCount} CPUs, loopback; Mosquitto with {(mosquittoDefaults ? "its default limits" : Scenarios.MosquittoLimits.ReplaceLineEndings("; "))}");
var failed = false;
foreach (var storage in storages)
{
    var r = await Scenarios.AlertBurstAsync(storage, options, mosquittoDefaults, embedded, Console.Out);
    failed |= r.Stored != r.Sent || r.AlertRows != r.Sent;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"[{r.Storage}] {r.Sent} alerts sent, {r.Stored} messages stored ({r.Sent - r.Stored} lost), {r.AlertRows} alerts; " +
        $"published in {r.Published.TotalSeconds:F2} s ({r.PublishRate:F0}/s acknowledged by {(embedded ? "the embedded broker" : "Mosquitto")}); " +
        $"all stored after {r.AllStored.TotalSeconds:F2} s: {r.FleetRate:F0} alerts/s sustained into the fleet; " +
        $"plain subscriber got {r.SubscriberReceived} in {r.SubscriberDone.TotalSeconds:F2} s ({r.SubscriberRate:F0}/s)" +
        $"{(r.SubscriberLost is null ? string.Empty : $", then was disconnected: {r.SubscriberLost}")}; fleet RSS {r.FleetMiB:F0} MiB{Environment.NewLine}" +
        $"[{r.Storage}] ratio fleet / plain subscriber = {r.Ratio:F2} (load average {r.LoadAverage}); processor time per 1,000 alerts: {r.Cpu?.PerThousand(r.Sent)}"));
}

return failed ? 1 : 0;
