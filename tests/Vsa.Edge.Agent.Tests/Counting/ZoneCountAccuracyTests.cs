using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Benchmarks.Counting;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Counting;

/// <summary>
/// A quality guard, not a speed test: the agent's crowd count (confirmed person tracks with their feet in the zone, as
/// crowd_density counts them, with the default occlusion memory and tracker) against the hand counts of
/// <c>Data/vtest-counts.json</c> — 64 frames of the demo clip, the detector run on every frame up to the last.
/// <c>./vsa bench count</c> prints the same figures for each lever.
/// </summary>
public sealed class ZoneCountAccuracyTests(ModelFixture fixture, ITestOutputHelper output) : IClassFixture<ModelFixture>
{
    [Fact]
    public void Evaluate_AgentDefaultsOnHandCountedFrames_CountWithinTheGoal()
    {
        var truth = HandCounts.Load(Path.Combine(TestAssets.RepositoryRoot, "tests", "Vsa.Edge.Agent.Tests", "Data", "vtest-counts.json"));
        using var detector = fixture.Model.CreateDetector();
        var evaluation = ZoneCountEvaluation.Detect(detector, FrameAnalysis.PersonClasses(fixture.Model.Manifest), TestAssets.DemoClip, truth);

        var result = evaluation.Evaluate(new CountSettings("agent defaults") { Tracker = new TrackerOptions(), OcclusionMemory = new RuleOptions().OcclusionMemory });
        var previous = evaluation.Evaluate(new CountSettings("before issue 16") { Tracker = new TrackerOptions { NewTrackThreshold = 0.6f } });

        output.WriteLine($"tracks: {result.Tracks}; raw detections: {result.Detections}; cone boxes {result.ConeBoxes}, cone track-frames {result.ConeTracks}; before: {previous.Tracks}");
        Assert.Equal(63, result.PerFrame.Count); // frame 0 left out: no track is confirmed on the first frame
        Assert.InRange(result.Tracks.Mae, 0, MaxMae);
        Assert.InRange(result.Tracks.Bias, -MaxBias, MaxBias);
        Assert.InRange(result.Tracks.WithinOne, MinWithinOne, 1);
        Assert.True(result.Tracks.Mae < previous.Tracks.Mae, $"defaults {result.Tracks} should count better than the previous tracker {previous.Tracks}");
        Assert.Equal(0, result.ConeBoxes); // no reported person box on a cone in 757 frames
        Assert.InRange(result.ConeTracks, 0, MaxConeTrackFrames);
    }

    [Fact]
    public void Load_HandCounts_EveryFrameCountedOnceInOrder()
    {
        var truth = HandCounts.Load(Path.Combine(TestAssets.RepositoryRoot, "tests", "Vsa.Edge.Agent.Tests", "Data", "vtest-counts.json"));

        Assert.Equal("square", truth.Zone);
        Assert.True(truth.Frames.Count >= 60);
        Assert.Equal(truth.Frames.Select(f => f.Frame).Order().Distinct(), truth.Frames.Select(f => f.Frame));
        Assert.All(truth.Frames, f => Assert.InRange(f.Count, 0, 20));
    }

    // The goal of issue 16 (measured with the new-track threshold 0.55: MAE 0.32, bias −0.06, 100 % within ±1;
    // docs/performance.md). The previous tracker (0.6) gave 0.37 / −0.11.
    private const double MaxMae = 0.4;
    private const double MaxBias = 0.2;
    private const double MinWithinOne = 0.95;

    // Person tracks counted on the two traffic cones over the 757 frames (a low-score box on a cone extending a
    // passer-by's track: 3 before and after the change); a lever that adds more puts new false boxes on the cones.
    private const int MaxConeTrackFrames = 3;
}
