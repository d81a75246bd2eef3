using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Capture;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Pipeline;

/// <summary>The latest-frame policy by age: live frames older than MaxFrameAge never reach the detector.</summary>
public sealed class CameraPipelineFrameAgeTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 6)]
    public async Task RunAsync_LiveFramesOlderThanMaxFrameAge_AreDroppedAndCounted(bool replay, int expectedProcessed)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var stale = new ScriptedFrameSource("rtsp://cam/x", new FakeTimeProvider(clock.GetUtcNow().AddSeconds(-5))) { FailAfter = 6, Interval = TimeSpan.Zero };
        var sink = new Frames();
        var stats = new PipelineStats("cam", clock);
        var options = new PipelineOptions { Replay = replay, MaxFrameAge = TimeSpan.FromSeconds(1) };

        await new CameraPipeline("cam", stale, fixture.Model.CreateDetector(), new ByteTracker(new TrackerOptions()), null, sink, options, stats, clock, NullLogger.Instance)
            .RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(expectedProcessed, stats.FramesProcessed);
        Assert.Equal(6, stats.FramesProcessed + stats.FramesDropped);
    }

    private sealed class Frames : IPipelineSink
    {
        public void OnFrame(in FrameResult frame)
        {
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }
}
