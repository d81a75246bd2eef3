using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Capture;

/// <summary>Camera supervision: restarts after failures, retries unreachable sources, isolates cameras from each other.</summary>
public sealed class CameraSupervisorTests(ModelFixture fixture) : IClassFixture<ModelFixture>, IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-supervisor-");
    private readonly RecordingLoggerProvider _logs = new();

    public void Dispose()
    {
        _dir.Delete(recursive: true);
        _logs.Dispose();
    }

    [Fact]
    public async Task RunAsync_OneCameraPipelineFails_RestartsItWithBackoffWhileTheOtherKeepsProcessing()
    {
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var factory = new ScriptedFrameSourceFactory()
            .Then("rtsp://cam-a/x", () => new ScriptedFrameSource("rtsp://cam-a/x", clock))
            .Then("rtsp://cam-b/x", () => new ScriptedFrameSource("rtsp://cam-b/x", clock));
        var supervisor = Supervisor(factory, clock, events);
        var statsA = new PipelineStats("cam-a", clock);
        var statsB = new PipelineStats("cam-b", clock);
        var runsA = 0;
        using var stop = new CancellationTokenSource();

        // Camera A's first pipeline breaks at its third frame (its sink throws); later runs are fine.
        var cameraA = supervisor.RunAsync("cam-a", "rtsp://cam-a/x", (s, ct) => Pipeline("cam-a", s, statsA, new CountingSink { ThrowAt = Interlocked.Increment(ref runsA) == 1 ? 3 : -1 }).RunAsync(ct), stop.Token);
        var cameraB = supervisor.RunAsync("cam-b", "rtsp://cam-b/x", (s, ct) => Pipeline("cam-b", s, statsB, new CountingSink()).RunAsync(ct), stop.Token);

        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOffline && e.CameraId == "cam-a");
        var processedB = statsB.FramesProcessed;
        await WaitUntilAsync(() => statsB.FramesProcessed >= processedB + 10);
        Assert.Equal(1, Volatile.Read(ref runsA));
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOnline && e.CameraId == "cam-a", count: 2);
        var processedA = statsA.FramesProcessed;
        await WaitUntilAsync(() => statsA.FramesProcessed >= processedA + 5);
        await stop.CancelAsync();
        await Task.WhenAll(cameraA, cameraB).WaitAsync(Guard);

        Assert.Equal(2, Volatile.Read(ref runsA));
        Assert.Contains("sink broke", events.Events.Single(e => e.Kind == DeviceEventKind.CameraOffline).Reason, StringComparison.Ordinal);
        Assert.Equal(0, events.Count(DeviceEventKind.CameraOffline, "cam-b"));
        var failure = Assert.Single(_logs.Entries, e => e.EventId == 1006);
        Assert.Contains("cam-a", failure.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }

    [Fact]
    public async Task RunAsync_UnreachableRtspCamera_LogsTheErrorRetriesWithGrowingDelaysAndTheOtherCameraRuns()
    {
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var url = $"rtsp://127.0.0.1:{InProcessBroker.FreePort()}/x";
        var real = Supervisor(new OpenCvFrameSourceFactory(clock, NullLogger<OpenCvFrameSourceFactory>.Instance), clock, events);
        var other = Supervisor(new ScriptedFrameSourceFactory().Then("rtsp://cam-b/x", () => new ScriptedFrameSource("rtsp://cam-b/x", clock)), clock, events);
        var framesB = 0L;
        using var stop = new CancellationTokenSource();

        var unreachable = real.RunAsync("cam-a", url, (_, ct) => Task.Delay(Timeout.Infinite, ct), stop.Token);
        var running = other.RunAsync("cam-b", "rtsp://cam-b/x", (s, ct) => ConsumeAsync(s, () => Interlocked.Increment(ref framesB), ct), stop.Token);
        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOffline && e.CameraId == "cam-a");
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(2));
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(4));
        var before = Interlocked.Read(ref framesB);
        await WaitUntilAsync(() => Interlocked.Read(ref framesB) >= before + 10);
        await stop.CancelAsync();
        await Task.WhenAll(unreachable, running).WaitAsync(Guard);

        var failures = _logs.Entries.Where(e => e.EventId == 1002).ToList();
        Assert.True(failures.Count >= 3);
        Assert.All(failures, f => Assert.Contains("cannot be opened as a network stream", f.Message, StringComparison.Ordinal));
        Assert.Contains("(attempt 1), retrying in 00:00:01", failures[0].Message, StringComparison.Ordinal);
        Assert.Contains("(attempt 2), retrying in 00:00:02", failures[1].Message, StringComparison.Ordinal);
        Assert.Contains("(attempt 3), retrying in 00:00:04", failures[2].Message, StringComparison.Ordinal);
        Assert.Equal(1, events.Count(DeviceEventKind.CameraOffline, "cam-a"));
        Assert.Equal(0, events.Count(DeviceEventKind.CameraOnline, "cam-a"));
        Assert.Equal(1, events.Count(DeviceEventKind.CameraOnline, "cam-b"));
    }

    [Fact]
    public async Task RunAsync_VideoFileMissingThenCreated_RetriesUntilItAppearsThenPlaysItToTheEnd()
    {
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var path = Path.Combine(_dir.FullName, "later.avi");
        var supervisor = Supervisor(new OpenCvFrameSourceFactory(clock, NullLogger<OpenCvFrameSourceFactory>.Instance), clock, events);
        var frames = 0L;

        var run = supervisor.RunAsync("cam-f", path, (s, ct) => ConsumeAsync(s, () => Interlocked.Increment(ref frames), ct), CancellationToken.None);
        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOffline);
        Assert.Contains("not found", events.Events[0].Reason, StringComparison.Ordinal);
        Assert.Contains(path, events.Events[0].Reason, StringComparison.Ordinal);
        File.Copy(TestAssets.DemoClip, path);
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
        await run.WaitAsync(Guard);

        Assert.Equal(795, Interlocked.Read(ref frames));
        Assert.Equal([DeviceEventKind.CameraOffline, DeviceEventKind.CameraOnline, DeviceEventKind.CameraOffline], events.Events.Select(e => e.Kind));
        Assert.Equal("video file ended", events.Events[^1].Reason);
        Assert.Contains(_logs.Entries, e => e.EventId == 1008);
    }

    [Fact]
    public async Task RunAsync_TruncatedVideoFile_ReportsItAsTruncatedWhileTheOtherCameraKeepsRunning()
    {
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var path = Path.Combine(_dir.FullName, "truncated.avi");
        var bytes = await File.ReadAllBytesAsync(TestAssets.DemoClip);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length * 3 / 10)]);
        var files = Supervisor(new OpenCvFrameSourceFactory(clock, NullLogger<OpenCvFrameSourceFactory>.Instance), clock, events);
        var other = Supervisor(new ScriptedFrameSourceFactory().Then("rtsp://cam-b/x", () => new ScriptedFrameSource("rtsp://cam-b/x", clock)), clock, events);
        var frames = 0L;
        var framesB = 0L;
        using var stop = new CancellationTokenSource();
        var running = other.RunAsync("cam-b", "rtsp://cam-b/x", (s, ct) => ConsumeAsync(s, () => Interlocked.Increment(ref framesB), ct), stop.Token);

        await files.RunAsync("cam-t", path, (s, ct) => ConsumeAsync(s, () => Interlocked.Increment(ref frames), ct), stop.Token).WaitAsync(Guard);
        var before = Interlocked.Read(ref framesB);
        await WaitUntilAsync(() => Interlocked.Read(ref framesB) >= before + 10);
        await stop.CancelAsync();
        await running.WaitAsync(Guard);

        Assert.InRange(Interlocked.Read(ref frames), 1, 700);
        var truncated = Assert.Single(_logs.Entries, e => e.EventId == 1007);
        Assert.Equal(LogLevel.Warning, truncated.Level);
        Assert.Contains("of its 795 frames: the file is truncated or corrupt", truncated.Message, StringComparison.Ordinal);
        var last = events.Events.Last(e => e.CameraId == "cam-t");
        Assert.Equal(DeviceEventKind.CameraOffline, last.Kind);
        Assert.Contains("truncated or corrupt", last.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FileThatIsNotAVideo_ReportsWhyAndKeepsRetrying()
    {
        var clock = new SteppedClock();
        var events = new RecordingEventSink(clock);
        var path = Path.Combine(_dir.FullName, "corrupt.avi");
        await File.WriteAllBytesAsync(path, (await File.ReadAllBytesAsync(TestAssets.DemoClip))[..64]);
        var supervisor = Supervisor(new OpenCvFrameSourceFactory(clock, NullLogger<OpenCvFrameSourceFactory>.Instance), clock, events);
        using var stop = new CancellationTokenSource();

        var run = supervisor.RunAsync("cam-c", path, (s, ct) => ConsumeAsync(s, () => { }, ct), stop.Token);
        await events.WaitForAsync(e => e.Kind == DeviceEventKind.CameraOffline);
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(1));
        await clock.AdvanceWhenWaitingAsync(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await run.WaitAsync(Guard);

        Assert.Contains(path, events.Events.Single().Reason, StringComparison.Ordinal);
        Assert.True(_logs.Entries.Count(e => e.EventId == 1002) >= 2);
    }

    private CameraSupervisor Supervisor(IFrameSourceFactory factory, TimeProvider clock, RecordingEventSink events) =>
        new(factory, new CaptureOptions { MaxFrameAge = TimeSpan.FromMinutes(10) }, events, clock, _logs.CreateFactory(), jitter: () => 1.0);

    private CameraPipeline Pipeline(string cameraId, IFrameSource source, PipelineStats stats, IPipelineSink sink) =>
        new(cameraId, source, fixture.Model.CreateDetector(), new ByteTracker(new TrackerOptions()), null, sink, new PipelineOptions(), stats, TimeProvider.System, NullLogger.Instance);

    // A stand-in pipeline: reads every frame (files to their end), counting them.
    private static async Task ConsumeAsync(IFrameSource source, Action onFrame, CancellationToken ct)
    {
        await Task.Yield();
        using var frame = new VideoFrame();
        while (source.TryRead(frame, ct))
        {
            onFrame();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
        {
            // Polls progress made by real threads (frame counts), with the guard as the only limit.
            await Task.Delay(10, guard.Token);
        }
    }

    private sealed class CountingSink : IPipelineSink
    {
        private int _frames;

        public int ThrowAt { get; init; } = -1;

        public void OnFrame(in FrameResult frame)
        {
            if (Interlocked.Increment(ref _frames) == ThrowAt)
            {
                throw new InvalidOperationException("sink broke");
            }
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }
}
