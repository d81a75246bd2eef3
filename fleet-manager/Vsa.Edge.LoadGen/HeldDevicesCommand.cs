using System.CommandLine;
using System.Globalization;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// <c>--held N</c>: the held-devices scenario alone, once per broker (<c>--broker mosquitto,embedded</c>). Bounded: at most
/// 20,000 devices, 600 s held, 5,000 connections a second, on loopback. Exit code 1 when any run had a problem.
/// </summary>
internal sealed class HeldDevicesCommand
{
    public const int MaxDevices = 20_000;

    private static readonly string[] Brokers = ["mosquitto", "embedded"];

    private readonly Option<int?> _held = new("--held")
    {
        Description = $"hold this many devices (1–{MaxDevices}), alone: no burst then", HelpName = "N",
    };

    private readonly Option<int> _hold = LoadGenCommands.Int("--hold", 120, "with --held: seconds the devices are held once all connected (1–600)", "--held-seconds");
    private readonly Option<string> _heartbeat = new("--heartbeat-seconds")
    {
        Description = "with --held: each device's heartbeat period, drawn in MIN-MAX seconds (1–60)", DefaultValueFactory = _ => "5-10", HelpName = "MIN-MAX",
    };

    private readonly Option<int> _connectRate = LoadGenCommands.Int("--connect-rate", 500, "with --held: new connections a second (1–5000)");
    private readonly Option<int> _alertRate = LoadGenCommands.Int("--alert-rate", 10, "with --held: alerts a second from held devices (1–100)");
    private readonly Option<int> _drop = LoadGenCommands.Int("--drop", 10, "with --held: devices that lose their connection at the end (0–1000, at most --held)");
    private readonly Option<string> _broker = new("--broker", "--held-broker")
    {
        Description = "with --held: the brokers, one run each", DefaultValueFactory = _ => "mosquitto,embedded", HelpName = "mosquitto,embedded",
    };

    public HeldDevicesCommand(Command command)
    {
        _heartbeat.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            if (!text.Split('-').All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)) || text.Split('-').Length > 2)
            {
                r.AddError($"option '--heartbeat-seconds' must be N or MIN-MAX seconds, not '{text}'");
            }
        });
        _broker.Validators.Add(r =>
        {
            if (BrokerList(r.GetValueOrDefault<string>()).FirstOrDefault(b => !Brokers.Contains(b)) is { } unknown)
            {
                r.AddError($"--broker: '{unknown}' is neither 'mosquitto' nor 'embedded'");
            }
        });
        foreach (var option in new Option[] { _held, _hold, _heartbeat, _connectRate, _alertRate, _drop, _broker })
        {
            command.Add(option);
        }
    }

    /// <summary>Whether <c>--held N</c> was given: the held devices then run alone.</summary>
    public bool IsRequested(ParseResult result) => result.GetValue(_held) is not null;

    public async Task<int> RunAsync(ParseResult parsed, int timeoutSeconds, TextWriter output)
    {
        var devices = Math.Clamp(parsed.GetValue(_held) ?? 10_000, 1, MaxDevices);
        var period = parsed.GetRequiredValue(_heartbeat).Split('-');
        var heartbeatMin = Math.Clamp(int.Parse(period[0], CultureInfo.InvariantCulture), 1, 60);
        var heartbeatMax = Math.Clamp(int.Parse(period[^1], CultureInfo.InvariantCulture), heartbeatMin, 60);
        var options = new HeldOptions(
            devices,
            TimeSpan.FromSeconds(Math.Clamp(parsed.GetValue(_hold), 1, 600)),
            TimeSpan.FromSeconds(heartbeatMin),
            TimeSpan.FromSeconds(heartbeatMax),
            Math.Clamp(parsed.GetValue(_connectRate), 1, 5_000),
            Math.Clamp(parsed.GetValue(_alertRate), 1, 100),
            Math.Clamp(parsed.GetValue(_drop), 0, Math.Min(1_000, devices)),
            TimeSpan.FromSeconds(Math.Clamp(timeoutSeconds, 10, 1_800)));
        var brokers = BrokerList(parsed.GetRequiredValue(_broker));

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

    private static string[] BrokerList(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
