using System.CommandLine;
using Vsa.Edge.CommandLine;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// The command line of <c>vsa-fleet-loadgen</c> (the grammar every Vsa.Edge tool shares, <c>Vsa.Edge.CommandLine</c>): without
/// <c>--held</c> the alert burst (<see cref="BurstCommand"/>), with <c>--held N</c> the held devices alone
/// (<see cref="HeldDevicesCommand"/>), and the <c>model-devices</c> sub-command (<see cref="ModelDevices"/>). Counts and times
/// stay within the bounds the help gives: the burst's options (<see cref="IntIn"/>) and <c>--timeout-seconds</c> refuse a
/// value outside them (usage error, exit 2, naming the option); the others are clamped to them.
/// </summary>
internal static class LoadGenCommands
{
    public static RootCommand Create(TextReader input, TextWriter output)
    {
        var root = new RootCommand("Load generator for the fleet manager: simulated devices on loopback, bounded in count and time (README.md).");
        var timeoutSeconds = IntIn("--timeout-seconds", 180, 1, 1800, "longest wait for the fleet to store what was sent (held: 10 at least)");
        root.Add(timeoutSeconds);
        var burst = new BurstCommand(root);
        var held = new HeldDevicesCommand(root);
        root.SetAction(async (result, _) => held.IsRequested(result)
            ? await held.RunAsync(result, result.GetValue(timeoutSeconds), output)
            : await burst.RunAsync(result, result.GetValue(timeoutSeconds), output));
        root.Add(ModelDevices.CreateCommand(input, output));
        return root;
    }

    /// <summary>An integer option in [<paramref name="min"/>, <paramref name="max"/>] with a default; a value outside is a usage error naming the option.</summary>
    public static Option<int> IntIn(string name, int defaultValue, int min, int max, string description)
    {
        var option = CliDefaults.IntIn(name, defaultValue, min, max, description);
        option.HelpName = "N";
        return option;
    }

    /// <summary>
    /// The storages of the burst (<c>sqlite</c>, <c>postgres</c>, comma-separated, each once at most); another is a usage
    /// error naming the option.
    /// </summary>
    public static Option<IReadOnlyList<string>?> Storages(string name, string description)
    {
        string[] known = ["sqlite", "postgres"];
        var option = CliValueOptions.List(name, description);
        option.HelpName = string.Join(',', known);
        option.DefaultValueFactory = _ => known;
        option.Validators.Add(r =>
        {
            var given = r.GetValueOrDefault<IReadOnlyList<string>?>() ?? [];
            if (given.Count == 0 || given.Any(s => !known.Contains(s, StringComparer.Ordinal)) || given.Distinct(StringComparer.Ordinal).Count() != given.Count)
            {
                r.AddError($"option '{name}' must be sqlite, postgres or sqlite,postgres, not '{(r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty)}'");
            }
        });
        return option;
    }

    /// <summary>An integer option with a default; the command clamps its value to its bounds (given in <paramref name="description"/>).</summary>
    public static Option<int> Int(string name, int defaultValue, string description, params string[] aliases) =>
        new(name, aliases) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "N" };
}
