using System.Globalization;
using System.Text.RegularExpressions;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>A rollout request that passed <see cref="RolloutPlanner.TryValidate"/>.</summary>
/// <param name="Package">SHA-256 of the package (lower-case hex).</param>
/// <param name="Kind">Model kind.</param>
/// <param name="Devices">Targeted device ids when the target is a list.</param>
/// <param name="Site">Targeted site.</param>
/// <param name="All">Every known device.</param>
/// <param name="CanaryDevices">Canary size in devices, when given as a count.</param>
/// <param name="CanaryPercent">Canary size in percent, when given as a share.</param>
/// <param name="Waves">Cumulative wave shares.</param>
/// <param name="Gates">The gates.</param>
/// <param name="Canary">The canary devices the administrator named, null when the canary is the first devices by id.</param>
public sealed record ValidRollout(
    string Package, string Kind, IReadOnlyList<string>? Devices, string? Site, bool All,
    int? CanaryDevices, double? CanaryPercent, IReadOnlyList<double> Waves, RolloutGates Gates, IReadOnlyList<string>? Canary = null)
{
    /// <summary>The target as stored: <c>devices:a,b</c>, <c>site:NAME</c> or <c>all</c>.</summary>
    public string Target => All ? "all" : Site is not null ? $"site:{Site}" : $"devices:{string.Join(',', Devices!)}";
}

/// <summary>Checks rollout requests and splits a target into stages (pure: no database, no clock).</summary>
public static partial class RolloutPlanner
{
    /// <summary>Most devices a list target may name.</summary>
    public const int MaxListedDevices = 10_000;

    /// <summary>Model kinds a rollout may replace.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["detector", "pose"];

    /// <summary>Checks <paramref name="request"/>; the errors are keyed by the request's field names.</summary>
    public static bool TryValidate(RolloutRequest? request, RolloutOptions defaults, out ValidRollout valid, out Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        errors = [];
        valid = null!;
        if (request is null)
        {
            errors["$"] = ["A JSON body is required."];
            return false;
        }

        if (request.Package is null || !Sha256Hex().IsMatch(request.Package))
        {
            errors["package"] = ["package must be the SHA-256 of an uploaded package: 64 lower-case hex digits."];
        }

        var kind = request.Kind ?? "detector";
        if (!Kinds.Contains(kind))
        {
            errors["kind"] = ["kind must be detector or pose."];
        }

        var targets = (request.Devices is not null ? 1 : 0) + (request.Site is not null ? 1 : 0) + (request.All == true ? 1 : 0);
        if (targets != 1)
        {
            errors["target"] = ["Name exactly one target: devices (a list of ids), site, or all: true."];
        }

        if (request.Devices is { } devices)
        {
            if (devices.Count is 0 or > MaxListedDevices || devices.Any(d => string.IsNullOrWhiteSpace(d) || d.Length > 128 || d.Any(char.IsControl)))
            {
                errors["devices"] = [$"devices must list 1 to {MaxListedDevices} device ids of 1 to 128 printable characters."];
            }
            else if (devices.Distinct(StringComparer.Ordinal).Count() != devices.Count)
            {
                errors["devices"] = ["devices names a device twice."];
            }
        }

        if (request.Site is { } site && (site.Length is 0 or > 100 || site.Any(char.IsControl)))
        {
            errors["site"] = ["site must be 1 to 100 printable characters."];
        }

        if ((request.CanaryDevices is not null ? 1 : 0) + (request.CanaryPercent is not null ? 1 : 0) + (request.Canary is not null ? 1 : 0) > 1)
        {
            errors["canary"] = ["Give the canary as canary (device ids), canaryDevices or canaryPercent: one of them."];
        }
        else if (request.Canary is { } named && (named.Count is 0 or > 1000 || named.Any(d => string.IsNullOrWhiteSpace(d) || d.Length > 128 || d.Any(char.IsControl))
            || named.Distinct(StringComparer.Ordinal).Count() != named.Count))
        {
            errors["canary"] = ["canary must list 1 to 1000 distinct device ids of 1 to 128 printable characters."];
        }
        else if (request.CanaryDevices is { } count && count is < 1 or > 1000)
        {
            errors["canaryDevices"] = ["canaryDevices must be from 1 to 1000."];
        }
        else if (request.CanaryPercent is { } percent && !(percent > 0 && percent <= 50))
        {
            errors["canaryPercent"] = ["canaryPercent must be above 0 and at most 50."];
        }

        var waves = request.Waves ?? defaults.EffectiveWaves;
        if (WavesError(waves) is { } wavesError)
        {
            errors["waves"] = [$"waves {wavesError}"];
        }

        var gates = new RolloutGates(
            request.SoakMinutes ?? defaults.SoakMinutes, request.MaxP95Increase ?? defaults.MaxP95Increase,
            request.MaxFpsDrop ?? defaults.MaxFpsDrop, request.MaxRestarts ?? defaults.MaxRestarts,
            request.StageTimeoutMinutes ?? defaults.StageTimeoutMinutes);
        Range(errors, "soakMinutes", gates.SoakMinutes, 0, 10080);
        Range(errors, "maxP95Increase", gates.MaxP95Increase, 0, 10);
        Range(errors, "maxFpsDrop", gates.MaxFpsDrop, 0, 1);
        Range(errors, "maxRestarts", gates.MaxRestarts, 0, 100);
        Range(errors, "stageTimeoutMinutes", gates.StageTimeoutMinutes, 1, 43200);
        if (errors.Count > 0)
        {
            return false;
        }

        valid = new(request.Package!, kind, request.Devices, request.Site, request.All == true,
            request.CanaryPercent is null && request.Canary is null ? request.CanaryDevices ?? defaults.CanaryDevices : null, request.CanaryPercent, waves, gates,
            request.Canary);
        return true;
    }

    /// <summary>What is wrong with a list of cumulative wave shares, or null.</summary>
    public static string? WavesError(IReadOnlyList<double> waves)
    {
        ArgumentNullException.ThrowIfNull(waves);
        if (waves.Count is 0 or > 20)
        {
            return "must list 1 to 20 cumulative shares in percent, the last 100.";
        }

        for (var i = 0; i < waves.Count; i++)
        {
            if (!(waves[i] > 0 && waves[i] <= 100) || (i > 0 && waves[i] <= waves[i - 1]))
            {
                return $"must be increasing shares above 0 and at most 100 (entry {i.ToString(CultureInfo.InvariantCulture)} is {waves[i].ToString(CultureInfo.InvariantCulture)}).";
            }
        }

        return waves[^1] == 100 ? null : "must end with 100 (every targeted device).";
    }

    /// <summary>
    /// Splits <paramref name="devices"/> (ordered by id) into the canary and the waves: each wave adds the devices that bring
    /// the cumulative count to its share of the target (rounded up); a wave that would add none is left out. Canary devices
    /// named in <see cref="ValidRollout.Canary"/> come first (the service checked that the target holds them).
    /// </summary>
    public static (IReadOnlyList<RolloutStage> Stages, IReadOnlyList<(string DeviceId, int Stage)> Devices) Split(IReadOnlyList<string> devices, ValidRollout rollout)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(rollout);
        var inTarget = devices.ToHashSet(StringComparer.Ordinal);
        var named = rollout.Canary?.Where(inTarget.Contains).Order(StringComparer.Ordinal).ToArray() ?? [];
        var ordered = named.Concat(devices.Except(named, StringComparer.Ordinal).Order(StringComparer.Ordinal)).ToArray();
        var total = ordered.Length;
        var canary = named.Length > 0 ? named.Length
            : rollout.CanaryPercent is { } percent ? Math.Max(1, (int)Math.Ceiling(total * percent / 100)) : rollout.CanaryDevices ?? 1;
        canary = Math.Min(canary, total);

        var stages = new List<RolloutStage> { new("canary", Math.Round(100.0 * canary / total, 1), canary) };
        var assigned = new List<(string, int)>(ordered.Take(canary).Select(d => (d, 0)));
        var done = canary;
        foreach (var share in rollout.Waves)
        {
            var upTo = Math.Min(total, (int)Math.Ceiling(total * share / 100));
            if (upTo <= done)
            {
                continue;
            }

            var index = stages.Count;
            stages.Add(new($"wave-{index.ToString(CultureInfo.InvariantCulture)}", share, upTo - done));
            assigned.AddRange(ordered.Skip(done).Take(upTo - done).Select(d => (d, index)));
            done = upTo;
        }

        return (stages, assigned);
    }

    private static void Range(Dictionary<string, string[]> errors, string name, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
        {
            errors[name] = [$"{name} must be from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}."];
        }
    }

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Hex();
}
