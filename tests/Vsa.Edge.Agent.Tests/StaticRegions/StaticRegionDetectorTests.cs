using System.Diagnostics;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.StaticRegions;
using Vsa.Edge.Agent.Tests.Fire;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.StaticRegions;

/// <summary>
/// The dual-background static region detector on rendered clips (a textured street, a passer-by, a dropped box) written
/// to disk as Motion-JPEG and read back through the real frame source, alone and wired through
/// <see cref="FrameAnalysis"/> into the abandoned-object rule.
/// </summary>
public sealed class StaticRegionDetectorTests(ITestOutputHelper output) : IDisposable
{
    private const double DropAt = 6;
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Rect Box = new(100, 175, 26, 22);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-static-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Update_PasserByDropsABox_ReportsItStaticSinceAboutTheDrop()
    {
        var clip = Render("drop.avi", 160, (frame, _, t, _) => Scene(frame, t, drop: true, always: false));

        var run = Replay(clip);

        Report("drop", run);
        Assert.NotEmpty(run.Regions);
        var ids = run.Regions.Select(r => r.RegionId).Distinct().ToList();
        var id = Assert.Single(ids);
        var region = run.Regions.Last(r => r.RegionId == id);
        var since = (region.StaticSince - Start).TotalSeconds;
        Assert.InRange(since, DropAt, DropAt + 2.5);
        var (cx, cy) = (region.Box.X + (region.Box.Width / 2), region.Box.Y + (region.Box.Height / 2));
        Assert.InRange(cx, (Box.X - 6) / 320.0, (Box.Right + 6) / 320.0);
        Assert.InRange(cy, (Box.Y - 6) / 240.0, (Box.Bottom + 6) / 240.0);
        Assert.InRange(region.Box.Area, 0.3 * Box.Width * Box.Height / (320.0 * 240), 2.0 * Box.Width * Box.Height / (320.0 * 240));

        // Still reported on most frames once it has settled, until the end of the clip.
        var settled = run.Frames.Where(f => f.Time >= DropAt + 4).ToList();
        Assert.True(settled.Count(f => f.Regions > 0) >= settled.Count * 0.9, $"reported on {settled.Count(f => f.Regions > 0)} of {settled.Count} settled frames");
    }

    [Fact]
    public void Update_PasserByOnly_ReportsNothing()
    {
        var clip = Render("walk.avi", 160, (frame, _, t, _) => Scene(frame, t, drop: false, always: false));

        var run = Replay(clip);

        Report("walk", run);
        Assert.Empty(run.Regions);
    }

    [Fact]
    public void Update_BoxThereFromTheFirstFrame_NeverReported()
    {
        var clip = Render("always.avi", 160, (frame, _, t, _) => Scene(frame, t, drop: false, always: true));

        var run = Replay(clip);

        Report("always", run);
        Assert.Empty(run.Regions);
    }

    [Fact]
    public void Observe_AbandonedObjectEventOnDropClip_RaisesOneAlert()
    {
        var clip = Render("drop-e2e.avi", 160, (frame, _, t, _) => Scene(frame, t, drop: true, always: false));
        var camera = new CameraConfig("cam", null, clip, [], [new EventConfig("abandoned_object", MinDurationSeconds: 3)]);
        var manifest = ModelManifestLoader.Load(TestAssets.NanoDetManifest);
        var rules = new RuleEngine(camera, manifest, "test");
        using var analysis = FrameAnalysis.Create(camera, rules, manifest, poseModel: null);
        Assert.True(analysis.StaticRegions);
        Assert.True(analysis.NeedsPixels);
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(clip), TimeProvider.System, Start);
        using var frame = new VideoFrame();
        var alerts = new List<AlertMessage>();
        while (source.TryRead(frame))
        {
            var observation = analysis.Observe(frame.Image, [], frame.Timestamp, 4.0 / 3);
            rules.Evaluate(observation, alerts);
        }

        rules.Flush(frame.Timestamp, alerts);

        output.WriteLine($"{analysis.StaticFrames} frames, {analysis.StaticTime.TotalMilliseconds / analysis.StaticFrames:0.00} ms per frame; alerts: "
            + string.Join(", ", alerts.Select(a => $"{a.State} {(a.ObservedAt - Start).TotalSeconds:0.0}s")));
        var start = Assert.Single(alerts, a => a.State == AlertState.Start);
        Assert.Equal(EventType.AbandonedObject, start.EventType);
        Assert.InRange((start.ObservedAt - Start).TotalSeconds, DropAt + 3, DropAt + 7);
        Assert.Contains(alerts, a => a.State == AlertState.End && a.AlertId == start.AlertId);
    }

    [Fact]
    public void Update_PersonBoxOverTheBox_NotReported()
    {
        // The same drop, but a person detection stays over the box (someone sitting there): class 0 is a person.
        var clip = Render("seated.avi", 160, (frame, _, t, _) => Scene(frame, t, drop: true, always: false));
        var person = new Detection(new NormBox((Box.X - 10) / 320f, (Box.Y - 60) / 240f, (Box.Width + 20) / 320f, (Box.Height + 65) / 240f), 0, 0.9f);
        var tracker = new ByteTracker(new TrackerOptions());
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(clip), TimeProvider.System, Start);
        using var frame = new VideoFrame();
        using var detector = new StaticRegionDetector(personClasses: [true, false]);
        using var unfiltered = new StaticRegionDetector();
        var (reported, seen) = (0, 0);
        var ids = new int[1];
        while (source.TryRead(frame))
        {
            var tracks = tracker.Update([person], frame.Timestamp, ids);
            reported += detector.Update(frame.Image, tracks, frame.Timestamp).Count;
            seen += unfiltered.Update(frame.Image, tracks, frame.Timestamp).Count;
        }

        output.WriteLine($"seated: {seen} reports without the person filter, {reported} with it");
        Assert.True(seen > 20, $"without the filter the box is reported ({seen})");
        Assert.Equal(0, reported);
    }

    [Fact]
    public void Update_SteadyState_AllocatesNothing()
    {
        using var frame = new Mat(576, 768, MatType.CV_8UC3, new Scalar(60, 60, 60));
        using var detector = new StaticRegionDetector();
        for (var i = 0; i < 10; i++)
        {
            detector.Update(frame, [], Start.AddSeconds(i * 0.1));
        }

        frame.Rectangle(new Rect(300, 300, 60, 50), Scalar.All(200), -1);
        for (var i = 10; i < 40; i++)
        {
            detector.Update(frame, [], Start.AddSeconds(i * 0.1));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var reported = 0;
        for (var i = 40; i < 60; i++)
        {
            reported += detector.Update(frame, [], Start.AddSeconds(i * 0.1)).Count;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(20, reported);
    }

    [Fact]
    public void Constructor_MinAreaAboveMaxArea_Throws() =>
        Assert.ThrowsAny<Exception>(() => new StaticRegionDetector(new StaticRegionOptions { MinArea = 0.1, MaxArea = 0.05 }));

    /// <summary>
    /// A street with texture (paving stones of varying brightness), a pale passer-by crossing left to right at 20 px/s,
    /// and a dark box: dropped behind the passer-by at <see cref="DropAt"/> s, or there from the start.
    /// </summary>
    private static void Scene(Mat frame, double t, bool drop, bool always)
    {
        for (var y = 0; y < SyntheticClip.Height; y += 16)
        {
            for (var x = (y / 16) % 2 * 8; x < SyntheticClip.Width; x += 24)
            {
                var shade = 60 + ((x * 7 + y * 13) % 50);
                Cv2.Rectangle(frame, new Rect(x, y, 22, 14), new Scalar(shade, shade + 5, shade + 10), -1);
            }
        }

        if (always || (drop && t >= DropAt))
        {
            Cv2.Rectangle(frame, Box, new Scalar(25, 30, 35), -1);
        }

        var px = 20 + (20 * t);
        Cv2.Ellipse(frame, new Point(px, 170), new Size(9, 28), 0, 0, 360, new Scalar(200, 210, 220), -1);
    }

    private string Render(string name, int frames, Action<Mat, int, double, Random> draw)
    {
        var path = Path.Combine(_dir.FullName, name);
        SyntheticClip.Write(path, frames, draw);
        return path;
    }

    private static Run Replay(string path)
    {
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(path), TimeProvider.System, Start);
        using var frame = new VideoFrame();
        using var detector = new StaticRegionDetector();
        var run = new Run();
        var ticks = 0L;
        while (source.TryRead(frame))
        {
            var started = Stopwatch.GetTimestamp();
            var regions = detector.Update(frame.Image, [], frame.Timestamp);
            ticks += Stopwatch.GetTimestamp() - started;
            Assert.Same(regions, detector.GetStaticRegions(frame.Timestamp));
            run.Regions.AddRange(regions);
            run.Frames.Add(((frame.Timestamp - Start).TotalSeconds, regions.Count));
        }

        run.MsPerFrame = Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds / Math.Max(1, run.Frames.Count);
        return run;
    }

    private void Report(string name, Run run) =>
        output.WriteLine($"{name}: {run.Frames.Count} frames, {run.Regions.Count} region reports, ids [{string.Join(",", run.Regions.Select(r => r.RegionId).Distinct())}], "
            + $"first at {(run.Regions.Count > 0 ? (run.Frames.First(f => f.Regions > 0).Time).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-")} s, "
            + $"since {(run.Regions.Count > 0 ? (run.Regions[^1].StaticSince - Start).TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-")} s, {run.MsPerFrame:0.00} ms per frame");

    private sealed class Run
    {
        public List<StaticRegion> Regions { get; } = [];

        public List<(double Time, int Regions)> Frames { get; } = [];

        public double MsPerFrame { get; set; }
    }
}
