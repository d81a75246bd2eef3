using System.Globalization;
using Vsa.Edge.FleetManager.Rollouts;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>Rollouts as <c>vsa-fleet rollouts</c> prints them: what the console's rollout page shows, as text.</summary>
internal static class RolloutText
{
    /// <summary>One line per rollout: id, status, stage, model, target, devices per state, the reason of a pause.</summary>
    public static async Task WriteListAsync(IReadOnlyList<RolloutView> rollouts, TextWriter output)
    {
        if (rollouts.Count == 0)
        {
            await output.WriteLineAsync("No rollout.");
        }

        foreach (var r in rollouts)
        {
            await output.WriteLineAsync(I($"#{r.Id}\t{Status(r.Status)}\t{StageText(r)}\t{r.ModelId ?? "?"} {r.ModelVersion ?? "?"}\t{r.Target}\t{Counts(r)}{(r.Reason is null ? string.Empty : "\t" + r.Reason)}"));
        }
    }

    /// <summary>One rollout: status, model, target, gates, the reason, its stages and every device.</summary>
    public static async Task WriteAsync(RolloutView r, TextWriter output)
    {
        await output.WriteLineAsync(I($"Rollout #{r.Id}: {Status(r.Status)}, {StageText(r)}"));
        await output.WriteLineAsync(I($"Model {r.Kind} {r.ModelId ?? "?"} {r.ModelVersion ?? "?"} ({r.Package}), target {r.Target}, started {r.CreatedAt:yyyy-MM-dd HH:mm:ss}Z by {r.CreatedBy}"));
        var g = r.Gates;
        await output.WriteLineAsync(I($"Gates: soak {g.SoakMinutes} min, p95 at most +{g.MaxP95Increase * 100} %, frames/s at most -{g.MaxFpsDrop * 100} %, at most {g.MaxRestarts} restarts, stage within {g.StageTimeoutMinutes} min"));
        if (r.Reason is not null)
        {
            await output.WriteLineAsync($"Reason: {r.Reason}");
        }

        foreach (var (stage, index) in r.Stages.Select((s, i) => (s, i)))
        {
            var when = stage.StartedAt is { } started ? I($"started {started:HH:mm:ss}") : "not started";
            var outcome = stage.Outcome is null ? string.Empty : I($", {stage.Outcome} {stage.EndedAt:HH:mm:ss}");
            await output.WriteLineAsync(I($"  stage {index} {stage.Name}: {stage.Devices} device(s), up to {stage.Percent} %, {when}{outcome}"));
        }

        foreach (var d in r.Devices)
        {
            var health = d.BaselineP95 is null && d.P95 is null ? string.Empty
                : I($"\tp95 {N(d.BaselineP95)} -> {N(d.P95)} ms, {N(d.BaselineFps)} -> {N(d.Fps)} frames/s");
            await output.WriteLineAsync(I($"  {d.DeviceId}\tstage {d.Stage}\t{d.State}{(d.Reason is null ? string.Empty : $" ({d.Reason})")}\tgate {d.Gate}\twas {d.PreviousVersion ?? "-"}\trestarts {d.Restarts}{health}"));
        }
    }

    private static string StageText(RolloutView r) =>
        r.Stage < r.Stages.Count ? I($"stage {r.Stage + 1}/{r.Stages.Count} {r.Stages[r.Stage].Name}") : I($"{r.Stages.Count}/{r.Stages.Count} stages");

    private static string Status(RolloutStatus status) => status.ToString().ToLowerInvariant();

    private static string Counts(RolloutView r) => string.Join(", ", r.Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => I($"{c.Key} {c.Value}")));

    private static string N(double? value) => value?.ToString("0.#", CultureInfo.InvariantCulture) ?? "?";

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
