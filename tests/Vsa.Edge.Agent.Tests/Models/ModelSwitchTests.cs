using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Models;

/// <summary>A real pipeline on real frames of the demo clip switches model between two frames and rolls back after a failed soak.</summary>
public sealed class ModelSwitchTests(ModelPackagesFixture packages, ITestOutputHelper output) : IClassFixture<ModelPackagesFixture>, IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private readonly string _data = Directory.CreateTempSubdirectory("vsa-model-switch-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task SwitchAsync_ThenSoakBelowTheFpsGate_SwitchesAndRollsBackWithoutLosingAFrame()
    {
        const int Frames = 24;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new ModelSlotStore(Path.Combine(_data, "models"), TestAssets.NanoDetDirectory);
        var inference = new InferenceOptions { ExecutionProviders = ["CPU"], IntraOpThreads = 1 };
        var installed = new ModelInstaller(store, packages.Trusted, inference, time, NullLogger.Instance, "1.0.0").Install(packages.V2);
        Assert.True(installed.Activated, installed.Reason);
        store.RollBack("test starts on the factory model", time.GetUtcNow());
        store.Activate("a", "nanodet-coco", "2.0.0", time.GetUtcNow());
        using var initial = DetectorModel.Load(inference, NullLogger.Instance);
        using var switchboard = new ModelSwitchboard(initial, store, new SoakOptions { Duration = TimeSpan.FromMinutes(10), MinFpsRatio = 0.8 }, time, NullLogger.Instance);
        using var source = new GatedClipSource(Frames, 12, 18);
        var sink = new CountingSink(signalAt: 6);
        var stats = new PipelineStats("cam", TimeProvider.System);
        var pipeline = new CameraPipeline("cam", source, switchboard.Attach(), new ByteTracker(new TrackerOptions()), null, sink, new PipelineOptions { Replay = true }, stats, TimeProvider.System, NullLogger.Instance);
        switchboard.Register(pipeline);
        var run = pipeline.RunAsync(CancellationToken.None);

        await sink.Signalled.WaitAsync(Guard);
        // Each swap is requested before the source lets the frames it will land on through (no race with the clip's end).
        var switching = switchboard.SwitchAsync(installed.Model!, baselineFps: 10, CancellationToken.None);
        source.Open(0);
        var switchedAt = (await switching.WaitAsync(Guard))[0];
        Assert.Same(installed.Model, pipeline.Detector.Model);
        time.Advance(TimeSpan.FromSeconds(30));
        var first = await switchboard.ObserveAsync(fps: 3, inferenceErrors: 0, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(30));
        var observing = switchboard.ObserveAsync(fps: 3, inferenceErrors: 0, CancellationToken.None);
        source.Open(1);
        var second = await observing.WaitAsync(Guard);
        await run.WaitAsync(Guard);

        output.WriteLine($"switched at frame {switchedAt}; rollback took {second.RollbackTime.TotalMilliseconds:0.0} ms; frames read {source.Read}, processed {stats.FramesProcessed}, dropped {stats.FramesDropped}");
        Assert.InRange(switchedAt, 6, 17);
        Assert.Equal(SoakVerdict.Continue, first.Verdict);
        Assert.Equal(SoakVerdict.Failed, second.Verdict);
        Assert.Contains("frame rate 3.0/s below 0.80 × the previous model's 10.0/s", second.Reason, StringComparison.Ordinal);
        Assert.Same(initial, pipeline.Detector.Model);
        Assert.Equal(Enumerable.Range(0, Frames).Select(i => (long)i), sink.Frames);
        Assert.Equal(0, stats.FramesDropped);
        var state = store.Read();
        Assert.Equal((ModelSlotState.Factory, ModelUpdateStates.RolledBack), (state.Active, state.Last!.State));
    }

    [Fact]
    public async Task ObserveAsync_SoakDurationPassesWithoutFault_KeepsTheNewModel()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new ModelSlotStore(Path.Combine(_data, "models"), TestAssets.NanoDetDirectory);
        store.Activate("a", "nanodet-coco", "2.0.0", time.GetUtcNow());
        var inference = new InferenceOptions { ExecutionProviders = ["CPU"], IntraOpThreads = 1 };
        using var initial = DetectorModel.Load(inference, NullLogger.Instance);
        var next = DetectorModel.Load(inference, NullLogger.Instance);
        using var switchboard = new ModelSwitchboard(initial, store, new SoakOptions { Duration = TimeSpan.FromMinutes(5) }, time, NullLogger.Instance);
        await switchboard.SwitchAsync(next, 10, CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(4));
        var during = await switchboard.ObserveAsync(9, 0, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        var after = await switchboard.ObserveAsync(9, 0, CancellationToken.None);

        Assert.Equal((SoakVerdict.Continue, SoakVerdict.Passed), (during.Verdict, after.Verdict));
        Assert.False(store.Read().Soaking);
        Assert.Same(next, switchboard.Current);
    }

    // The first frames of the demo clip, served as fast as asked except at each gate, which waits until it is opened.
    internal sealed class GatedClipSource : IFrameSource
    {
        private readonly List<Mat> _frames = [];
        private readonly int[] _gateAt;
        private readonly ManualResetEventSlim[] _gates;
        private int _next;

        public GatedClipSource(int frames, params int[] gateAt)
        {
            _gateAt = gateAt;
            _gates = [.. gateAt.Select(_ => new ManualResetEventSlim())];
            using var capture = new VideoCapture(TestAssets.DemoClip);
            for (var i = 0; i < frames; i++)
            {
                var mat = new Mat();
                Assert.True(capture.Read(mat));
                _frames.Add(mat);
            }
        }

        public int Read => _next;

        public FrameSourceSpec Spec { get; } = FrameSourceSpec.Parse("clip.avi");

        public double Fps => 10;

        public int FrameCount => _frames.Count;

        public int Width => _frames[0].Cols;

        public int Height => _frames[0].Rows;

        public void Open(int gate) => _gates[gate].Set();

        public bool TryRead(VideoFrame frame)
        {
            if (_next >= _frames.Count)
            {
                return false;
            }

            if (Array.IndexOf(_gateAt, _next) is var gate and >= 0)
            {
                _gates[gate].Wait(Guard);
            }

            _frames[_next].CopyTo(frame.Image);
            frame.Stamp(_next, DateTimeOffset.UnixEpoch.AddSeconds(_next / Fps));
            _next++;
            return true;
        }

        public bool TrySkip() => ++_next <= _frames.Count;

        public void Dispose()
        {
            foreach (var g in _gates)
            {
                g.Dispose();
            }

            foreach (var f in _frames)
            {
                f.Dispose();
            }
        }
    }

    internal sealed class CountingSink(int signalAt) : IPipelineSink
    {
        private readonly TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<long> Frames { get; } = [];

        public Task Signalled => _signal.Task;

        public void OnFrame(in FrameResult frame)
        {
            Frames.Add(frame.FrameIndex);
            if (Frames.Count >= signalAt)
            {
                _signal.TrySetResult();
            }
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }
}
