using System.Globalization;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// <c>--held N</c>: the held-devices scenario alone, once per broker (<c>--broker mosquitto,embedded</c>). Bounded: at most
/// 20,000 devices, 600 s held, 5,000 connections a second, on loopback. Exit code 1 when any run had a problem.
/// </summary>
internal static class HeldDevicesCommand
{
    public const int MaxDevices = 20_000;

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> arguments, TextWriter output)
    {
        int Int(string name, int fallback, int min, int max, string? alias = null)
        {
            var text = arguments.GetValueOrDefault(name) ?? (alias is null ? null : arguments.GetValueOrDefault(alias));
            return text is null ? fallback : Math.Clamp(int.Parse(text, CultureInfo.InvariantCulture), min, max);
        }

        var devices = Int("--held", 10_000, 1, MaxDevices);
        var period = (arguments.GetValueOrDefault("--heartbeat-seconds") ?? "5-10").Split('-');
        var heartbeatMin = Math.Clamp(int.Parse(period[0], CultureInfo.InvariantCulture), 1, 60);
        var heartbeatMax = Math.Clamp(int.Parse(period[^1], CultureInfo.InvariantCulture), heartbeatMin, 60);
        var options = new HeldOptions(
            devices,
            TimeSpan.FromSeconds(Int("--hold", 120, 1, 600, alias: "--held-seconds")),
            TimeSpan.FromSeconds(heartbeatMin),
            TimeSpan.FromSeconds(heartbeatMax),
            Int("--connect-rate", 500, 1, 5_000),
            Int("--alert-rate", 10, 1, 100),
            Int("--drop", 10, 0, Math.Min(1_000, devices)),
            TimeSpan.FromSeconds(Int("--timeout-seconds", 180, 10, 1_800)));
        var brokers = (arguments.GetValueOrDefault("--broker") ?? arguments.GetValueOrDefault("--held-broker") ?? "mosquitto,embedded")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (brokers.FirstOrDefault(b => b is not ("mosquitto" or "embedded")) is { } unknown)
        {
            output.WriteLine($"--broker: '{unknown}' is neither 'mosquitto' nor 'embedded'");
            return 2;
        }

        // One socket per device in this process, and as many in the broker's (which inherits this process's limit).
        if (ProcessFigures.OpenFilesProblem(devices + 512) is { } problem)
        {
            output.WriteLine(problem);
            return 2;
        }

        var (soft, hard) = ProcessFigures.OpenFilesLimit(Environment.ProcessId);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"vsa-fleet held devices: {devices} devices, {options.Hold.TotalSeconds:F0} s held, heartbeats every {heartbeatMin}-{heartbeatMax} s (QoS 1), " +
            $"{options.ConnectRate} connections/s, {options.AlertsPerSecond} alerts/s, {options.Drop} dropped at the end; loopback; open files {soft}/{hard}; " +
            $"{Environment.ProcessorCount} CPUs, load average {ProcessFigures.LoadAverage()}"));
        var failed = false;
        foreach (var broker in brokers)
        {
            var result = await HeldDevicesScenario.RunAsync(options, broker, output);
            result.Print(output);
            foreach (var p in result.Problems())
            {
                output.WriteLine($"[{broker}] FAILED: {p}");
                failed = true;
            }
        }

        return failed ? 1 : 0;
    }
}
