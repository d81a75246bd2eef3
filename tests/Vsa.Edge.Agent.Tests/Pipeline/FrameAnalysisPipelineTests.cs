using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Vsa.Edge.Agent.Annotation;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Pipeline;

/// <summary>The camera pipeline with <see cref="FrameAnalysis"/>: masks first, pixels kept for the last stage.</summary>
public sealed class FrameAnalysisPipelineTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    // The right third of the frame, where the demo clip's first frame has a walker.
    private static readonly float[][] Mask = [[0.66f, 0f], [1f, 0f], [1f, 1f], [0.66f, 1f]];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_AnalysisKeepsPixelsToTheLastStage_EveryFrameArrivesMaskedAndThePoolSuffices(bool replay)
    {
        using var source = new RepeatingSource(replay ? "clip.avi" : "rtsp://cam/stream", frames: 40);
        var camera = new CameraConfig("cam", null, "clip.avi", [], [new EventConfig("fire")], PrivacyMasks: [new PrivacyMaskConfig("house", Mask)]);
        var rules = new RuleEngine(camera, fixture.Model.Manifest, "dev");
        var annotator = new CheckingAnnotator();
        using var analysis = FrameAnalysis.Create(camera, rules, fixture.Model.Manifest, poseModel: null, annotator: annotator);
        var stats = new PipelineStats("cam", TimeProvider.System);
        using var detector = fixture.Model.CreateDetector();
        var pipeline = new CameraPipeline(
            "cam", source, detector, new ByteTracker(new TrackerOptions()), rules, new NullSink(),
            new PipelineOptions { Replay = replay }, stats, TimeProvider.System, NullLogger.Instance)
        {
            Analysis = analysis,
        };

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(Guard);

        Assert.True(analysis.Masks && analysis.Fire && !analysis.Pose);
        Assert.Equal(stats.FramesProcessed, annotator.Frames);
        Assert.Equal(stats.FramesProcessed, analysis.FireFrames);
        Assert.Equal(0, annotator.UnmaskedFrames);
        Assert.True(annotator.Completed);
        if (replay)
        {
            Assert.Equal(40, stats.FramesProcessed);
        }
    }

    [Fact]
    public void Create_IntrusionOnlyCameraWithoutMasks_HasNothingToDoWithPixels()
    {
        var camera = new CameraConfig("cam", null, "clip.avi", [new ZoneConfig("z", null, [[0f, 0f], [1f, 0f], [1f, 1f]])], [new EventConfig("intrusion", ["z"])]);
        using var analysis = FrameAnalysis.Create(camera, new RuleEngine(camera, fixture.Model.Manifest, "dev"), fixture.Model.Manifest, poseModel: null);

        Assert.False(analysis.NeedsPixels);
        Assert.False(analysis.Masks);
    }

    [Fact]
    public void Create_PersonDownWithoutPoseModel_Throws()
    {
        var camera = new CameraConfig("cam", null, "clip.avi", [], [new EventConfig("person_down")]);

        var ex = Assert.Throws<InvalidOperationException>(() =>
            FrameAnalysis.Create(camera, new RuleEngine(camera, fixture.Model.Manifest, "dev"), fixture.Model.Manifest, poseModel: null));

        Assert.Contains("person_down", ex.Message, StringComparison.Ordinal);
    }

    // Checks that the masked third of every frame it sees is black; counts frames and the final flush.
    private sealed class CheckingAnnotator : IFrameAnnotator
    {
        public int Frames { get; private set; }

        public int UnmaskedFrames { get; private set; }

        public bool Completed { get; private set; }

        public void Annotate(Mat frame, in FrameResult result, in FrameObservation observation, IReadOnlyList<AlertMessage> alerts)
        {
            Frames++;
            using var masked = new Mat(frame, new Rect((int)Math.Ceiling(frame.Cols * 0.66) + 1, 0, frame.Cols - (int)Math.Ceiling(frame.Cols * 0.66) - 1, frame.Rows));
            if (Cv2.CountNonZero(masked.Reshape(1)) != 0)
            {
                UnmaskedFrames++;
            }
        }

        public void Complete(IReadOnlyList<AlertMessage> alerts) => Completed = true;

        public void Dispose()
        {
        }
    }

    private sealed class NullSink : IPipelineSink
    {
        public void OnFrame(in FrameResult frame)
        {
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }

    // Serves copies of the demo clip's first frame as fast as asked (a live source never waits for the pipeline).
    private sealed class RepeatingSource(string source, int frames) : IFrameSource
    {
        private readonly Mat _template = DemoClip.ReadFrame(0);
        private long _next;

        public FrameSourceSpec Spec { get; } = FrameSourceSpec.Parse(source);

        public double Fps => 10;

        public int FrameCount => Spec.IsLive ? -1 : frames;

        public int Width => _template.Cols;

        public int Height => _template.Rows;

        public bool TryRead(VideoFrame frame)
        {
            if (_next >= frames)
            {
                return false;
            }

            _template.CopyTo(frame.Image);
            frame.Stamp(_next, DateTimeOffset.UnixEpoch.AddSeconds(_next / Fps));
            _next++;
            return true;
        }

        public bool TrySkip() => _next++ < frames;

        public void Dispose() => _template.Dispose();
    }
}
