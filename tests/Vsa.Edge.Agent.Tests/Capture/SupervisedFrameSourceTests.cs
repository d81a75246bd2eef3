using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Capture;

public sealed class SupervisedFrameSourceTests
{
    private const string Url = "rtsp://cam-a.local/stream1";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TryRead_SourceFailsThenCannotBeOpenedThenRecovers_ReconnectsWithGrowingDelaysAndReportsOfflineOnce()
    {
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var first = new ScriptedFrameSource(Url, clock) { FailAfter = 3 };
        var second = new ScriptedFrameSource(Url, clock);
        var factory = new ScriptedFrameSourceFactory().Then(Url, () => first).ThenFail(Url, "connection refused").Then(Url, () => second);
        using var source = Start(factory, clock, events, new CaptureOptions { StallTimeout = TimeSpan.FromSeconds(10), MaxFrameAge = TimeSpan.FromMinutes(10) });
        using var frame = new VideoFrame();
        using var guard = new CancellationTokenSource(Guard);

        Assert.True(source.TryRead(frame, guard.Token));
        var firstIndex = frame.Index;
        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOffline);
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(2));
        var recoveredAt = clock.GetUtcNow();
        do
        {
            Assert.True(source.TryRead(frame, guard.Token));
        }
        while (frame.Timestamp < recoveredAt);

        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOnline, count: 2);
        Assert.True(second.Delivered > 0);
        Assert.True(frame.Index > firstIndex, "indexes keep counting across reconnects");
        Assert.Equal(3, factory.Opens);
        Assert.Equal(
            [DeviceEventKind.CameraOnline, DeviceEventKind.CameraOffline, DeviceEventKind.CameraOnline],
            events.Events.Select(e => e.Kind));
        Assert.All(events.Events, e => Assert.Equal("cam-a", e.CameraId));
        await first.Disposed.WaitAsync(Guard);
    }

    [Fact]
    public async Task CheckStall_ReadBlockedPastStallTimeout_AbandonsItReconnectsAndReleasesItWhenItReturns()
    {
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var stuck = new ScriptedFrameSource(Url, clock) { BlockAfter = 2 };
        var fresh = new ScriptedFrameSource(Url, clock);
        var factory = new ScriptedFrameSourceFactory().Then(Url, () => stuck).Then(Url, () => fresh);
        using var source = Start(factory, clock, events, new CaptureOptions { StallTimeout = TimeSpan.FromSeconds(4), ReconnectMinDelay = TimeSpan.FromSeconds(3), MaxFrameAge = TimeSpan.FromMinutes(10) });
        using var frame = new VideoFrame();
        using var guard = new CancellationTokenSource(Guard);
        Assert.True(source.TryRead(frame, guard.Token));
        await stuck.Blocked.WaitAsync(Guard);

        clock.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(0, events.Count(DeviceEventKind.CameraOffline, "cam-a"));
        clock.Advance(TimeSpan.FromSeconds(0.5));

        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOffline);
        Assert.Contains("no frame for 00:00:04", events.Events[^1].Reason, StringComparison.Ordinal);
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(3));
        var recoveredAt = clock.GetUtcNow();
        do
        {
            Assert.True(source.TryRead(frame, guard.Token));
        }
        while (frame.Timestamp < recoveredAt);

        Assert.True(fresh.Delivered > 0);
        Assert.False(stuck.Disposed.IsCompleted, "the blocked read still holds its capture");
        stuck.Release();
        await stuck.Disposed.WaitAsync(Guard);
        Assert.Equal(
            [DeviceEventKind.CameraOnline, DeviceEventKind.CameraOffline, DeviceEventKind.CameraOnline],
            events.Events.Select(e => e.Kind));
    }

    [Fact]
    public async Task TryRead_FrameOlderThanMaxFrameAge_DropsItAndReturnsTheNextFreshOne()
    {
        var clock = new SteppedClock();
        var camera = new ScriptedFrameSource(Url, clock) { BlockAfter = 1 };
        var factory = new ScriptedFrameSourceFactory().Then(Url, () => camera);
        using var source = Start(factory, clock, new RecordingEventSink(clock), new CaptureOptions { StallTimeout = TimeSpan.FromMinutes(1), MaxFrameAge = TimeSpan.FromSeconds(1) });
        using var frame = new VideoFrame();
        await camera.Blocked.WaitAsync(Guard);
        clock.Advance(TimeSpan.FromSeconds(2));

        var read = Task.Run(() => source.TryRead(frame, new CancellationTokenSource(Guard).Token));
        Assert.True(SpinWait.SpinUntil(() => source.FramesStale == 1, Guard), "the stale frame is looked at and dropped");
        Assert.False(read.IsCompleted);
        camera.Release();

        Assert.True(await read.WaitAsync(Guard));
        Assert.Equal(clock.GetUtcNow(), frame.Timestamp);

        // Not the stale frame 0; the newest the camera delivered after its release (latest-frame policy: on a busy
        // machine the reader may have replaced frame 1 by a later one before this read woke up).
        Assert.True(frame.Index >= 1, $"frame {frame.Index} returned");
    }

    [Fact]
    public async Task TryRead_Cancelled_ThrowsAndDisposeEndsTheReader()
    {
        var clock = new SteppedClock();
        var camera = new ScriptedFrameSource(Url, clock) { BlockAfter = 0 };
        var factory = new ScriptedFrameSourceFactory().Then(Url, () => camera);
        var source = Start(factory, clock, new RecordingEventSink(clock), new CaptureOptions());
        using var frame = new VideoFrame();
        using var cts = new CancellationTokenSource();
        await camera.Blocked.WaitAsync(Guard);

        var read = Task.Run(() => source.TryRead(frame, cts.Token));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(Guard));
        source.Dispose();
        Assert.False(source.TryRead(frame));
        camera.Release();
        await camera.Disposed.WaitAsync(Guard);
    }

    [Fact]
    public async Task Start_GStreamerSourceWithPasswordCannotBeOpened_OfflineReasonHidesThePassword()
    {
        const string pipeline = "rtspsrc location=rtsp://cam/s user-id=admin user-pw=S3cret ! rtph264depay ! appsink";
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var factory = new ScriptedFrameSourceFactory().ThenFail(pipeline, "connection refused");

        using var source = SupervisedFrameSource.Start(
            "cam-a", FrameSourceSpec.Parse(pipeline), () => factory.Open(pipeline), new CaptureOptions(), new CameraStatus("cam-a", events), clock, NullLogger.Instance, jitter: () => 1.0);
        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOffline).WaitAsync(Guard);
        var offline = events.Events.First(e => e.Kind == DeviceEventKind.CameraOffline);

        Assert.DoesNotContain("S3cret", offline.Reason, StringComparison.Ordinal);
        Assert.Contains("user-pw=***", offline.Reason, StringComparison.Ordinal);
        Assert.Contains("connection refused", offline.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_FileSource_IsRefused()
    {
        var clock = new SteppedClock();

        Assert.Throws<ArgumentException>(() => SupervisedFrameSource.Start(
            "cam", FrameSourceSpec.Parse("clip.avi"), () => throw new FrameSourceException("x"), new CaptureOptions(), new CameraStatus("cam", new RecordingEventSink(clock)), clock, NullLogger.Instance));
    }

    private static SupervisedFrameSource Start(ScriptedFrameSourceFactory factory, SteppedClock clock, RecordingEventSink events, CaptureOptions options)
    {
        return SupervisedFrameSource.Start(
            "cam-a", FrameSourceSpec.Parse(Url), () => factory.Open(Url), options, new CameraStatus("cam-a", events), clock, NullLogger.Instance, jitter: () => 1.0);
    }
}
