using System.CommandLine;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.CommandLine;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>The options of <c>vsa-agent provision check</c>.</summary>
/// <param name="Config">The agent's configuration (null: defaults only).</param>
/// <param name="Fleet">The fleet manager's address, to check it is reachable.</param>
/// <param name="Json">Where to write the JSON report.</param>
/// <param name="CameraSeconds">How long each camera is read.</param>
public sealed record ProvisionCheckArguments(string? Config, Uri? Fleet, string? Json, int CameraSeconds = 3)
{
    internal static Command Definition(Func<ProvisionCheckArguments, CancellationToken, Task<int>> run)
    {
        var config = ConfigOption("the agent's configuration (without it: the defaults)", required: false);
        var fleet = FleetOption();
        var json = JsonOption();
        var seconds = CliOptions.IntIn("--camera-seconds", 1, 60, "how long each camera is read");
        seconds.DefaultValueFactory = _ => 3;
        return AgentCommandLine.Define(
            "check",
            "The preflight: board, disk, clock, cameras, model, broker and fleet, each with a fix when it fails.",
            [config, fleet, json, seconds],
            r => new ProvisionCheckArguments(r.GetValue(config), r.GetValue(fleet), r.GetValue(json), r.GetValue(seconds) ?? 3),
            run);
    }

    internal static Option<string> ConfigOption(string description, bool required) =>
        new("--config") { Description = description, HelpName = "agent.json", Required = required };

    internal static Option<Uri?> FleetOption() =>
        AgentCliOptions.HttpAddress("--fleet", "the fleet manager's address (default: the configuration's)", directory: true);

    internal static Option<string> JsonOption() =>
        new("--json") { Description = "also write the report as JSON to this file", HelpName = "file" };
}

/// <summary>The options of <c>vsa-agent provision selftest</c>.</summary>
/// <param name="Config">The agent's configuration.</param>
/// <param name="Installer">Who installs (shown on the device board), 1 to 100 characters.</param>
/// <param name="Fleet">The fleet manager's address.</param>
/// <param name="Json">Where to write the JSON report.</param>
/// <param name="Seconds">How long each camera is read.</param>
/// <param name="Prompt">Whether the switches and the LED are tested with the installer (<c>--no-prompt</c>: skipped).</param>
public sealed record SelfTestArguments(string Config, string Installer, Uri? Fleet = null, string? Json = null, int Seconds = 5, bool Prompt = true)
{
    internal static Command Definition(Func<SelfTestArguments, CancellationToken, Task<int>> run)
    {
        var config = ProvisionCheckArguments.ConfigOption("the agent's configuration", required: true);
        var installer = CliOptions.Required("--installer", "who installs (shown on the device board)");
        installer.HelpName = "name";
        installer.Validators.Add(r =>
        {
            var name = r.GetValueOrDefault<string>()?.Trim();
            if (name is not null && (name.Length is 0 or > 100 || name.Any(char.IsControl)))
            {
                r.AddError("option '--installer' must be a name of 1 to 100 characters");
            }
        });
        var fleet = ProvisionCheckArguments.FleetOption();
        var json = ProvisionCheckArguments.JsonOption();
        var seconds = CliOptions.IntIn("--seconds", 1, 120, "how long each camera is read");
        seconds.DefaultValueFactory = _ => 5;
        var noPrompt = new Option<bool>("--no-prompt") { Description = "skip the switch and LED tests that need the installer" };
        return AgentCommandLine.Define(
            "selftest",
            "The preflight, the model's latency, the outbox, switches and LED, a round trip to the fleet, then the installation report.",
            [config, installer, fleet, json, seconds, noPrompt],
            r => new SelfTestArguments(r.GetValue(config)!, r.GetValue(installer)!.Trim(), r.GetValue(fleet), r.GetValue(json), r.GetValue(seconds) ?? 5, !r.GetValue(noPrompt)),
            run);
    }
}
