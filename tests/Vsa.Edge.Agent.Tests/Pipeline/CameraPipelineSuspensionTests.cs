using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Suspension;
using Vsa.Edge.Agent.Tests.Capture;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Pipeline;

/// <summary>The kill switch in the pipeline: a suspended camera's frames are drained without a model run.</summary>
public sealed class CameraPipelineSuspensionTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public async Task RunAsync_SuspendedMidway_NoModelRunAfterwardsFramesCountedAsSuspended()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var source = new ScriptedFrameSource("rtsp://cam/x", clock) { BlockAfter = 6, FailAfter = 12, Interval = TimeSpan.Zero };
        var sink = new CountingSink(6);
        var stats = new PipelineStats("cam", clock);
        var suspension = new AgentSuspension();
        var pipeline = new CameraPipeline("cam", source, fixture.Model.CreateDetector(), new ByteTracker(new TrackerOptions()), null, sink, new PipelineOptions { Replay = true }, stats, clock, NullLogger.Instance)
        {
            Suspension = suspension,
        };

        var run = pipeline.RunAsync(CancellationToken.None);
        await sink.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        await source.Blocked.WaitAsync(TimeSpan.FromSeconds(60));
        var before = stats.InferenceRuns;
        suspension.SetLocalKill(true);
        source.Release();
        await run.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(6, before);
        Assert.Equal((6L, 6L, 6L), (stats.InferenceRuns, stats.FramesProcessed, stats.FramesSuspended));
        Assert.NotNull(stats.LastInferenceAt);
    }

    private sealed class CountingSink(int target) : IPipelineSink
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _frames;

        public Task Reached => _reached.Task;

        public void OnFrame(in FrameResult frame)
        {
            if (Interlocked.Increment(ref _frames) >= target)
            {
                _reached.TrySetResult();
            }
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }
}
