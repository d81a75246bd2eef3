using System.Diagnostics;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Fire;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Fire;

/// <summary>
/// The pixel fire detector feeding the core's fire rule, on rendered clips written to disk and read back through the
/// real frame source, and on the demo clip. NanoDet has no fire class, so the rule uses these candidates only.
/// </summary>
public sealed class FireDetectorTests(ITestOutputHelper output) : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 21, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-fire-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Detect_GrowingFlickeringFlames_RaiseAFireAlert()
    {
        // Flames that start 12 px high at the bottom of the frame and grow by 6 px a second, for 12 s.
        var clip = Render("flames.avi", 120, (frame, _, t, random) =>
            SyntheticClip.Flames(frame, new Point(160, 225), 12 + (6 * t), random));

        var run = Replay(clip);

        Report("flames", run);
        Assert.NotEmpty(run.Candidates);
        var start = Assert.Single(run.Alerts, a => a.State == AlertState.Start);
        Assert.Equal(EventType.Fire, start.EventType);
        var box = start.Objects[0].Box;
        Assert.InRange(box[0] + (box[2] / 2), 0.35, 0.65);
        Assert.True(start.ObservedAt - Start <= TimeSpan.FromSeconds(9), $"alert after {(start.ObservedAt - Start).TotalSeconds:0.0} s");
        Assert.Contains(run.Alerts, a => a.State == AlertState.End && a.AlertId == start.AlertId);
    }

    [Fact]
    public void Detect_SteadyWarmLamp_IsSeenButNeverAlerts()
    {
        // A sodium-orange street lamp, on the whole time, its brightness wavering by up to ±4 % from frame to frame.
        var clip = Render("lamp.avi", 120, (frame, _, _, random) =>
            SyntheticClip.Lamp(frame, new Point(160, 70), 14, new Scalar(40, 160, 255), 0.96 + (0.08 * random.NextDouble())));

        var run = Replay(clip);

        Report("steady lamp", run);
        // The detector does see a fire-coloured region there; its measures are what keep the rule quiet.
        Assert.True(run.Candidates.Count > 100, $"the lamp should be a candidate on most frames ({run.Candidates.Count})");
        Assert.True(run.Candidates.Average(c => c.ColourScore) >= 0.5, "a sodium lamp is fire-coloured");
        Assert.All(run.Candidates, c => Assert.True(c.FlickerEnergy < 0.3 && Math.Abs(c.AreaGrowthRate) < 0.03,
            $"steady lamp measured growth {c.AreaGrowthRate:0.000}/s, flicker {c.FlickerEnergy:0.00}"));
        Assert.Empty(run.Alerts);
    }

    [Fact]
    public void Detect_LampBlinkingAtOneHertz_NeverAlerts()
    {
        // The same lamp, on for half a second, off for half a second.
        var clip = Render("blink.avi", 120, (frame, i, _, _) =>
        {
            if (i % 10 < 5)
            {
                SyntheticClip.Lamp(frame, new Point(160, 70), 14, new Scalar(40, 160, 255));
            }
        });

        var run = Replay(clip);

        Report("blinking lamp", run);
        Assert.NotEmpty(run.Candidates);
        Assert.Empty(run.Alerts);
    }

    [Fact]
    public void Detect_DemoClip_CandidatesButNoAlert()
    {
        // Orange cones, a yellow sheet on the grass, red jackets: fire-coloured, but nothing burns.
        var run = Replay(TestAssets.DemoClip, every: 2);

        output.WriteLine($"demo clip: {run.Frames} frames, {run.Candidates.Count} candidates, {run.MsPerFrame:0.00} ms per frame");
        Assert.Empty(run.Alerts);
    }

    [Fact]
    public void Detect_SteadyState_AllocatesNothing()
    {
        using var frame = new Mat(576, 768, MatType.CV_8UC3, new Scalar(60, 60, 60));
        SyntheticClip.Lamp(frame, new Point(300, 200), 30, new Scalar(40, 160, 255));
        SyntheticClip.Lamp(frame, new Point(600, 400), 20, new Scalar(30, 120, 250));
        using var detector = new FireDetector();
        for (var i = 0; i < 10; i++)
        {
            detector.Detect(frame, Start.AddSeconds(i * 0.1));
        }

        // Steady state: the runtime's tiered recompilation may allocate once in a loaded run (48 B seen), so the least of
        // three measured rounds must be zero; an allocation per frame shows in every round.
        var reported = 0;
        var least = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 10 + (round * 20); i < 30 + (round * 20); i++)
            {
                reported += detector.Detect(frame, Start.AddSeconds(i * 0.1)).Count;
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);
        Assert.Equal(2 * 20 * 3, reported);
    }

    private void Report(string name, Run run)
    {
        if (run.Candidates.Count > 0)
        {
            output.WriteLine(
                $"{name}: {run.Candidates.Count} candidates in {run.Frames} frames, {run.Candidates.Select(c => c.RegionId).Distinct().Count()} region ids; " +
                $"growth mean {run.Candidates.Average(c => c.AreaGrowthRate):0.000}/s, flicker mean {run.Candidates.Average(c => c.FlickerEnergy):0.00}, " +
                $"colour mean {run.Candidates.Average(c => c.ColourScore):0.00}; {run.Alerts.Count(a => a.State == AlertState.Start)} alerts; {run.MsPerFrame:0.00} ms per frame");
        }
    }

    private string Render(string name, int frames, Action<Mat, int, double, Random> draw)
    {
        var path = Path.Combine(_dir.FullName, name);
        SyntheticClip.Write(path, frames, draw);
        return path;
    }

    // Reads the clip through the agent's frame source, runs the detector and a fire rule on the whole frame.
    private static Run Replay(string path, int every = 1)
    {
        var camera = new CameraConfig("cam", null, path, [], [new EventConfig("fire")]);
        var rules = new RuleEngine(camera, ModelManifestLoader.Load(TestAssets.NanoDetManifest), "test");
        Assert.Equal(RuleInputs.FireCandidates, rules.Inputs & RuleInputs.FireCandidates);
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(path), TimeProvider.System, Start);
        using var frame = new VideoFrame();
        using var detector = new FireDetector();
        var run = new Run();
        var alerts = new List<AlertMessage>();
        var ticks = 0L;
        for (var i = 0; source.TryRead(frame); i++)
        {
            if (i % every != 0)
            {
                continue;
            }

            var started = Stopwatch.GetTimestamp();
            var candidates = detector.Detect(frame.Image, frame.Timestamp);
            ticks += Stopwatch.GetTimestamp() - started;
            run.Candidates.AddRange(candidates);
            rules.Evaluate(new FrameObservation([], frame.Timestamp) { FireCandidates = candidates, FrameAspectRatio = 4.0 / 3 }, alerts);
            run.Frames++;
        }

        rules.Flush(frame.Timestamp, alerts);
        run.Alerts.AddRange(alerts);
        run.MsPerFrame = Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds / Math.Max(1, run.Frames);
        return run;
    }

    private sealed class Run
    {
        public List<FireCandidate> Candidates { get; } = [];

        public List<AlertMessage> Alerts { get; } = [];

        public int Frames { get; set; }

        public double MsPerFrame { get; set; }
    }
}
