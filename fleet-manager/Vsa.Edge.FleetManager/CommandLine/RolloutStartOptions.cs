using System.CommandLine;
using Vsa.Edge.CommandLine;
using Vsa.Edge.FleetManager.Rollouts;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// The options of <c>vsa-fleet rollouts start</c>, read into a <see cref="RolloutRequest"/>. Here only that numbers are
/// numbers and lists are lists; the fleet checks the target, the ranges and the package, and says what is wrong.
/// </summary>
internal sealed class StartOptions
{
    private readonly Option<string> _package = new("--package") { Description = "The SHA-256 of an uploaded model package", HelpName = "sha256" };
    private readonly Option<string> _kind = new("--kind") { Description = "Which model it replaces: detector (default) or pose", HelpName = "detector|pose" };
    private readonly Option<IReadOnlyList<string>?> _devices = CliValueOptions.List("--devices", "Target: these devices (a,b)");
    private readonly Option<string> _site = new("--site") { Description = "Target: the devices of this site" };
    private readonly Option<bool> _all = new("--all") { Description = "Target: every device" };
    private readonly Option<IReadOnlyList<string>?> _canary = CliValueOptions.List("--canary", "The canary devices (a,b)");
    private readonly Option<int?> _canaryDevices = CliValueOptions.Int("--canary-devices", "How many canary devices, the first by id (default 1)");
    private readonly Option<double?> _canaryPercent = CliValueOptions.Number("--canary-percent", "The canary stage's share of the target, in percent");
    private readonly Option<IReadOnlyList<double>?> _waves = CliValueOptions.NumberList("--waves", "Cumulative shares of the target after each wave, in percent, the last 100 (default 10,50,100)");
    private readonly Option<double?> _soakMinutes = CliValueOptions.Number("--soak-minutes", "How long every device of a stage stays healthy before the next stage");
    private readonly Option<double?> _maxP95Increase = CliValueOptions.Number("--max-p95-increase", "Gate: the largest increase of the p95 latency (0.25 is +25 %)");
    private readonly Option<double?> _maxFpsDrop = CliValueOptions.Number("--max-fps-drop", "Gate: the largest drop of frames per second (0.1 is -10 %)");
    private readonly Option<int?> _maxRestarts = CliValueOptions.Int("--max-restarts", "Gate: the most restarts (offline/online flaps) of a device since its update");
    private readonly Option<double?> _stageTimeoutMinutes = CliValueOptions.Number("--stage-timeout-minutes", "Gate: the longest a stage may take");

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
        {
            _package, _kind, _devices, _site, _all, _canary, _canaryDevices, _canaryPercent, _waves, _soakMinutes, _maxP95Increase,
            _maxFpsDrop, _maxRestarts, _stageTimeoutMinutes,
        })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The request, as the API takes it.</summary>
    public RolloutRequest Read(ParseResult r) => new(
        r.GetValue(_package),
        r.GetValue(_kind),
        r.GetValue(_devices),
        r.GetValue(_site),
        r.GetValue(_all) ? true : null,
        r.GetValue(_canaryDevices),
        r.GetValue(_canaryPercent),
        r.GetValue(_waves),
        r.GetValue(_soakMinutes),
        r.GetValue(_maxP95Increase),
        r.GetValue(_maxFpsDrop),
        r.GetValue(_maxRestarts),
        r.GetValue(_stageTimeoutMinutes),
        r.GetValue(_canary));
}
