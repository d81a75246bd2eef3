using System.Globalization;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Benchmarks.Counting;

/// <summary>
/// <c>./vsa bench count [--frames]</c>: the count error on the hand-counted frames of the demo clip for the agent's
/// defaults and for each lever, from one detector pass (CPU, the benchmarks' thread setting).
/// </summary>
public static class CountBench
{
    /// <summary>The hand counts: <c>tests/Vsa.Edge.Agent.Tests/Data/vtest-counts.json</c>.</summary>
    public static string HandCountsPath => Path.Combine(TestAssets.RepositoryRoot, "tests", "Vsa.Edge.Agent.Tests", "Data", "vtest-counts.json");

    /// <summary>The settings compared: the agent's defaults, then each lever alone.</summary>
    public static IReadOnlyList<CountSettings> Levers { get; } =
    [
        new("agent defaults: confirmed tracks, no occlusion memory") { OcclusionMemory = TimeSpan.Zero },
        new("occlusion memory 0.5 s") { OcclusionMemory = TimeSpan.FromSeconds(0.5) },
        new("occlusion memory 1.0 s") { OcclusionMemory = TimeSpan.FromSeconds(1.0) },
        new("occlusion memory 1.5 s") { OcclusionMemory = TimeSpan.FromSeconds(1.5) },
        new("new track 0.45, high 0.4, 3 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.45f, HighScoreThreshold = 0.4f, MinHitsToConfirm = 3 } },
        new("new track 0.4, high 0.35, 3 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.4f, HighScoreThreshold = 0.35f, MinHitsToConfirm = 3 } },
        new("new track 0.5, high 0.45, 2 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.5f, HighScoreThreshold = 0.45f } },
        new("new track 0.55, 2 hits") { Tracker = new TrackerOptions { NewTrackThreshold = 0.55f } },
    ];

    public static int Run(string[] args, TextWriter output)
    {
        using var model = BenchAssets.LoadCpuModel();
        using var detector = model.CreateDetector();
        var truth = HandCounts.Load(HandCountsPath);
        output.WriteLine($"hand counts: {truth.Frames.Count} frames of zone '{truth.Zone}', {truth.Frames.Average(f => f.Count):F2} persons on average");
        var evaluation = ZoneCountEvaluation.Detect(detector, FrameAnalysis.PersonClasses(model.Manifest), TestAssets.DemoClip, truth);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"detector pass: model run {evaluation.ModelMsPerFrame:F1} ms per frame ({1000 / evaluation.ModelMsPerFrame:F1} frames/s model only)"));
        var first = true;
        foreach (var settings in Levers)
        {
            var result = evaluation.Evaluate(settings);
            if (first)
            {
                output.WriteLine($"{"raw detections (score >= 0.5)",-52} {result.Detections}   cone boxes {result.ConeBoxes}");
                first = false;
            }

            output.WriteLine($"{settings.Name,-52} {result.Tracks}   cone track-frames {result.ConeTracks}");
            if (args.Contains("--frames"))
            {
                foreach (var (frame, t, tracks, detections) in result.PerFrame.Where(p => p.Tracks != p.Truth))
                {
                    output.WriteLine($"    frame {frame}: {t} by hand, {tracks} tracks, {detections} detections");
                }
            }
        }

        return 0;
    }
}
