using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>
/// The soak's frame-rate gate against a genuinely slower model: v4 is NanoDet converted at 640 × 640 (what
/// <c>./vsa model prepare --input-size 640</c> then <c>./vsa model variant --version 4.0.0</c> make), 2.4 times the
/// pixels of the agent's 416 × 416 model. The cost of each is measured through the agent's own detector (pre-processing,
/// model run, decoding) on the same frames of the demo clip, round-robin so the shared machine's load hits both alike; the
/// soak is then fed the rates a pipeline bound by inference would show. Only the soak's clock is fake.
/// </summary>
public sealed class SlowModelSoakTests(ModelPackagesFixture packages, ITestOutputHelper output) : IClassFixture<ModelPackagesFixture>
{
    private const int Rounds = 3;

    [Fact]
    public void Observe_V4ConvertedAtLargerInput_FailsTheFrameRateGateOnMeasuredInference()
    {
        var inference = new InferenceOptions { ExecutionProviders = ["CPU"], IntraOpThreads = 1 };
        using var v1 = DetectorModel.Load(inference with { ModelDirectory = TestAssets.NanoDetDirectory }, NullLogger.Instance);
        using var v4 = DetectorModel.Load(inference with { ModelDirectory = packages.V4Model }, NullLogger.Instance);
        Assert.Equal((640, "4.0.0"), (v4.Manifest.Input.Width, v4.Manifest.Version));
        using var d1 = v1.CreateDetector();
        using var d4 = v4.CreateDetector();
        var frames = ClipFrames(100, 300);
        try
        {
            var (ms1, ms4) = (new List<double>(), new List<double>());
            var found = (One: 0, Four: 0);
            for (var round = 0; round <= Rounds; round++)
            {
                foreach (var frame in frames)
                {
                    // Round 0 warms both sessions up; each round starts with the other model.
                    var (a, b) = round % 2 == 0 ? (d1, d4) : (d4, d1);
                    var (ta, na) = Time(a, frame);
                    var (tb, nb) = Time(b, frame);
                    var (t1, n1, t4, n4) = a == d1 ? (ta, na, tb, nb) : (tb, nb, ta, na);
                    if (round > 0)
                    {
                        (ms1, ms4) = ([.. ms1, t1], [.. ms4, t4]);
                        found = (found.One + n1, found.Four + n4);
                    }
                }
            }

            var (fps1, fps4) = (1000 / Median(ms1), 1000 / Median(ms4));
            output.WriteLine($"v1 (416×416) {Median(ms1):0.0} ms/frame = {fps1:0.0}/s, v4 (640×640) {Median(ms4):0.0} ms/frame = {fps4:0.0}/s: ratio {fps4 / fps1:0.00} (gate 0.80); detections {found.One} vs {found.Four}");
            Assert.True(found.Four > 0, "v4 is a working detector (it finds people on the clip)");

            var soak = new SoakOptions();
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var watch = new SoakWatch(soak, fps1, time.GetUtcNow());
            time.Advance(soak.ObserveInterval);
            Assert.Equal(SoakVerdict.Continue, watch.Observe(fps4, 0, time.GetUtcNow())); // the first observation covers the switch
            time.Advance(soak.ObserveInterval);
            Assert.Equal(SoakVerdict.Failed, watch.Observe(fps4, 0, time.GetUtcNow()));
            Assert.StartsWith($"frame rate {fps4:0.0}/s below 0.80 × the previous model's {fps1:0.0}/s", watch.Reason, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var frame in frames)
            {
                frame.Dispose();
            }
        }
    }

    private static (double Ms, int Found) Time(OnnxDetector detector, Mat frame)
    {
        var results = new List<Vsa.Edge.Agent.Core.Detection.Detection>();
        var started = Stopwatch.GetTimestamp();
        detector.Detect(frame, detector.Model.Manifest.Output.ScoreThreshold, results);
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, results.Count);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static List<Mat> ClipFrames(params int[] indices)
    {
        using var capture = new VideoCapture(TestAssets.DemoClip);
        var frames = new List<Mat>();
        foreach (var index in indices)
        {
            capture.Set(VideoCaptureProperties.PosFrames, index);
            var mat = new Mat();
            Assert.True(capture.Read(mat), $"frame {index} of the demo clip");
            frames.Add(mat);
        }

        return frames;
    }
}
