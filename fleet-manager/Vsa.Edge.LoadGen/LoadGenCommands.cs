using System.CommandLine;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// The command line of <c>vsa-fleet-loadgen</c> (the grammar every Vsa.Edge tool shares, <c>Vsa.Edge.CommandLine</c>): without
/// <c>--held</c> the alert burst (<see cref="BurstCommand"/>), with <c>--held N</c> the held devices alone
/// (<see cref="HeldDevicesCommand"/>), and the <c>model-devices</c> sub-command (<see cref="ModelDevices"/>). Counts and times
/// are clamped to the bounds the help gives: the tool stays bounded whatever it is asked.
/// </summary>
internal static class LoadGenCommands
{
    public static RootCommand Create(TextReader input, TextWriter output)
    {
        var root = new RootCommand("Load generator for the fleet manager: simulated devices on loopback, bounded in count and time (README.md).");
        var timeoutSeconds = Int("--timeout-seconds", 180, "longest wait for the fleet to store what was sent (burst: 1–1800, held: 10–1800)");
        root.Add(timeoutSeconds);
        var burst = new BurstCommand(root);
        var held = new HeldDevicesCommand(root);
        root.SetAction(async (result, _) => held.IsRequested(result)
            ? await held.RunAsync(result, result.GetValue(timeoutSeconds), output)
            : await burst.RunAsync(result, result.GetValue(timeoutSeconds), output));
        root.Add(ModelDevices.CreateCommand(input, output));
        return root;
    }

    /// <summary>An integer option with a default; the command clamps its value to its bounds (given in <paramref name="description"/>).</summary>
    public static Option<int> Int(string name, int defaultValue, string description, params string[] aliases) =>
        new(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "N" };
}
