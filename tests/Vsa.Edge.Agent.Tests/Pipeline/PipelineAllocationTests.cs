using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Pipeline;

/// <summary>Runs alone: it counts every managed allocation of the process.</summary>
[CollectionDefinition(nameof(ProcessWideMeasurements), DisableParallelization = true)]
public sealed class ProcessWideMeasurements;

/// <summary>
/// Managed allocations of the whole per-frame path in steady state — capture into pooled frames, the three stages and
/// their channel hand-offs, pre-processing, the model run, decoding, tracking, rules and the sink — on a camera whose
/// scene does not change (the demo clip's first frame, over and over), counted by the stages on their own threads
/// (<see cref="PipelineStats.AllocatedBytes"/>) between two frames 160 frames apart. The process-wide figure is printed
/// too: it also holds the test host's own background allocations (≈ 1.5 KB/s idle), so it cannot be asserted at 0.
/// </summary>
[Collection(nameof(ProcessWideMeasurements))]
public sealed class PipelineAllocationTests(ModelFixture fixture, ITestOutputHelper output) : IClassFixture<ModelFixture>
{
    private const int From = 60;
    private const int To = 220;

    [Fact]
    public async Task RunAsync_SteadyState_AllocatesNothingPerFrame()
    {
        using var source = new RepeatedFrameSource(To + 10);
        var camera = CameraConfigLoader.Load(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"));
        var stats = new PipelineStats(camera.CameraId, TimeProvider.System);
        var sink = new MeasuringSink(stats);
        using var detector = fixture.Model.CreateDetector();
        var pipeline = new CameraPipeline(
            camera.CameraId,
            source,
            detector,
            new ByteTracker(new TrackerOptions()),
            new RuleEngine(camera, fixture.Model.Manifest, "edge-alloc"),
            sink,
            new PipelineOptions { Replay = true },
            stats,
            TimeProvider.System,
            NullLogger.Instance);

        await pipeline.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(5));

        var pipelineBytes = sink.PipelineAt[1] - sink.PipelineAt[0];
        var processBytes = sink.ProcessAt[1] - sink.ProcessAt[0];
        output.WriteLine($"frames {From}-{To}: {pipelineBytes} managed bytes allocated by the pipeline, {processBytes} by the whole process ({(double)processBytes / (To - From):F0} per frame)");
        Assert.True(sink.AlertsBefore(From) > 0, "the scene raises an alert early, so the rules are exercised");
        Assert.True(stats.AllocatedBytes > 0, "set-up allocates, so the stages' meters are running");
        Assert.Equal(0, pipelineBytes);
    }

    // Allocates nothing per frame itself: it runs on the pipeline's last stage, whose allocations are counted.
    private sealed class MeasuringSink(PipelineStats stats) : IPipelineSink
    {
        private readonly List<long> _alertFrames = new(64);
        private long _frame;

        public long[] PipelineAt { get; } = new long[2];

        public long[] ProcessAt { get; } = new long[2];

        public int AlertsBefore(long frame) => _alertFrames.Count(f => f < frame);

        public void OnFrame(in FrameResult frame)
        {
            _frame = frame.FrameIndex;
            if (frame.FrameIndex is From or To)
            {
                var at = frame.FrameIndex == From ? 0 : 1;
                PipelineAt[at] = stats.AllocatedBytes;
                ProcessAt[at] = GC.GetTotalAllocatedBytes(precise: true);
            }
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts) => _alertFrames.Add(_frame);
    }

    // The demo clip's first frame (people in the square) served again and again, stamped at 10 fps.
    private sealed class RepeatedFrameSource : IFrameSource
    {
        private readonly Mat _template = new();
        private readonly int _frames;
        private long _next;

        public RepeatedFrameSource(int frames)
        {
            _frames = frames;
            using var capture = new VideoCapture(TestAssets.DemoClip);
            capture.Read(_template);
        }

        public FrameSourceSpec Spec { get; } = FrameSourceSpec.Parse("clip.avi");

        public double Fps => 10;

        public int FrameCount => _frames;

        public int Width => _template.Cols;

        public int Height => _template.Rows;

        public bool TryRead(VideoFrame frame)
        {
            if (_next >= _frames)
            {
                return false;
            }

            _template.CopyTo(frame.Image);
            frame.Stamp(_next, DateTimeOffset.UnixEpoch.AddSeconds(_next / Fps));
            _next++;
            return true;
        }

        public bool TrySkip() => _next++ < _frames;

        public void Dispose() => _template.Dispose();
    }
}
