using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Pipeline;

public sealed class CameraPipelineTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_ReplaySource_ProcessesEveryFrameInOrder()
    {
        using var source = new FakeFrameSource("clip.avi", frames: 12);
        var sink = new RecordingSink();
        var stats = new PipelineStats("cam", TimeProvider.System);

        await Pipeline(source, sink, stats, replay: true).RunAsync(CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), sink.Frames);
        Assert.Equal(12, stats.FramesProcessed);
        Assert.Equal(0, stats.FramesDropped);
    }

    [Fact]
    public async Task RunAsync_ReplayEveryThirdFrame_ProcessesOnlyThoseFrames()
    {
        using var source = new FakeFrameSource("clip.avi", frames: 10);
        var sink = new RecordingSink();

        await Pipeline(source, sink, new PipelineStats("cam", TimeProvider.System), replay: true, every: 3).RunAsync(CancellationToken.None).WaitAsync(Guard);

        Assert.Equal([0L, 3L, 6L, 9L], sink.Frames);
    }

    [Fact]
    public async Task RunAsync_LiveSourceFasterThanInference_DropsOldestFramesAndKeepsTheLatest()
    {
        using var source = new FakeFrameSource("rtsp://camera/stream", frames: 60);
        var sink = new RecordingSink();
        var stats = new PipelineStats("cam", TimeProvider.System);

        await Pipeline(source, sink, stats, replay: false).RunAsync(CancellationToken.None).WaitAsync(Guard);

        Assert.True(stats.FramesDropped > 0, "a source that never waits must overrun a model run of several milliseconds");
        Assert.Equal(60, stats.FramesProcessed + stats.FramesDropped);
        Assert.Equal(59, sink.Frames[^1]);
        Assert.Equal(sink.Frames.Order(), sink.Frames);
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAllStages()
    {
        using var source = new FakeFrameSource("rtsp://camera/stream", frames: int.MaxValue);
        var sink = new RecordingSink { SignalAfter = 3 };
        using var cts = new CancellationTokenSource();
        var run = Pipeline(source, sink, new PipelineStats("cam", TimeProvider.System), replay: false).RunAsync(cts.Token);

        await sink.Signalled.WaitAsync(Guard);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Guard));
    }

    [Fact]
    public async Task RunAsync_SourceFails_SurfacesTheError()
    {
        using var source = new FakeFrameSource("clip.avi", frames: 100) { FailAt = 5 };
        var sink = new RecordingSink();

        var ex = await Assert.ThrowsAsync<IOException>(() => Pipeline(source, sink, new PipelineStats("cam", TimeProvider.System), replay: true).RunAsync(CancellationToken.None).WaitAsync(Guard));

        Assert.Contains("disk", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_LastStageFails_SurfacesItsErrorNotTheOtherStagesCancellation()
    {
        using var source = new FakeFrameSource("clip.avi", frames: 100);
        var sink = new RecordingSink { ThrowAt = 2 };

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Pipeline(source, sink, new PipelineStats("cam", TimeProvider.System), replay: true).RunAsync(CancellationToken.None).WaitAsync(Guard));

        Assert.Equal("sink broke", ex.Message);
    }

    private CameraPipeline Pipeline(IFrameSource source, IPipelineSink sink, PipelineStats stats, bool replay, int every = 1) =>
        new(
            "cam",
            source,
            fixture.Model.CreateDetector(),
            new ByteTracker(new TrackerOptions()),
            null,
            sink,
            new PipelineOptions { Replay = replay, Every = every },
            stats,
            TimeProvider.System,
            NullLogger.Instance);

    private sealed class RecordingSink : IPipelineSink
    {
        private readonly TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<long> Frames { get; } = [];

        public int SignalAfter { get; init; } = int.MaxValue;

        public int ThrowAt { get; init; } = -1;

        public Task Signalled => _signal.Task;

        public void OnFrame(in FrameResult frame)
        {
            if (frame.FrameIndex == ThrowAt)
            {
                throw new InvalidOperationException("sink broke");
            }

            Frames.Add(frame.FrameIndex);
            if (Frames.Count >= SignalAfter)
            {
                _signal.TrySetResult();
            }
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }

    // Serves copies of a real frame of the demo clip as fast as asked.
    private sealed class FakeFrameSource : IFrameSource
    {
        private readonly Mat _template;
        private readonly int _frames;
        private long _next;

        public FakeFrameSource(string source, int frames)
        {
            Spec = FrameSourceSpec.Parse(source);
            _frames = frames;
            using var capture = new VideoCapture(TestAssets.DemoClip);
            _template = new Mat();
            capture.Read(_template);
        }

        public int FailAt { get; init; } = -1;

        public FrameSourceSpec Spec { get; }

        public double Fps => 10;

        public int FrameCount => Spec.IsLive ? -1 : _frames;

        public int Width => _template.Cols;

        public int Height => _template.Rows;

        public bool TryRead(VideoFrame frame)
        {
            if (!Advance())
            {
                return false;
            }

            _template.CopyTo(frame.Image);
            frame.Stamp(_next - 1, DateTimeOffset.UnixEpoch.AddSeconds((_next - 1) / Fps));
            return true;
        }

        public bool TrySkip() => Advance();

        public void Dispose() => _template.Dispose();

        private bool Advance()
        {
            if (_next == FailAt)
            {
                throw new IOException("disk read error");
            }

            if (_next >= _frames)
            {
                return false;
            }

            _next++;
            return true;
        }
    }
}
