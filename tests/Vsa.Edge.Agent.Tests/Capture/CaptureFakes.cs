using System.Collections.Concurrent;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Capture;

/// <summary>
/// A camera that serves small frames stamped with the test clock: <see cref="FailAfter"/> frames then a failed read,
/// or <see cref="BlockAfter"/> frames then a read that blocks until <see cref="Release"/> (a dead decoder).
/// </summary>
internal sealed class ScriptedFrameSource(string source, TimeProvider clock) : IFrameSource
{
    private readonly Mat _template = new(48, 64, MatType.CV_8UC3, new Scalar(40, 90, 160));
    private readonly ManualResetEventSlim _gate = new(false);
    private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _next;

    public FrameSourceSpec Spec { get; } = FrameSourceSpec.Parse(source);

    public int FailAfter { get; init; } = int.MaxValue;

    public int BlockAfter { get; init; } = int.MaxValue;

    /// <summary>Real time between frames (a camera's frame interval), so a test does not spin two cores.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(5);

    public long Delivered => Interlocked.Read(ref _next);

    public Task Blocked => _blocked.Task;

    public Task Disposed => _disposed.Task;

    public double Fps => 25;

    public int FrameCount => -1;

    public int Width => _template.Cols;

    public int Height => _template.Rows;

    public bool TryRead(VideoFrame frame)
    {
        var n = Interlocked.Read(ref _next);
        if (n >= FailAfter)
        {
            return false;
        }

        if (n >= BlockAfter)
        {
            _blocked.TrySetResult();
            _gate.Wait();
        }

        // Paces the fake camera like a real one (a frame interval), not a synchronisation.
        Thread.Sleep(Interval);
        _template.CopyTo(frame.Image);
        frame.Stamp(n, clock.GetUtcNow());
        Interlocked.Increment(ref _next);
        return true;
    }

    public bool TrySkip()
    {
        using var scratch = new VideoFrame();
        return TryRead(scratch);
    }

    public void Release() => _gate.Set();

    public void Dispose()
    {
        _template.Dispose();
        _disposed.TrySetResult();
    }
}

/// <summary>Opens what a script says, in order: a source, or a <see cref="FrameSourceException"/>; the last entry repeats.</summary>
internal sealed class ScriptedFrameSourceFactory : IFrameSourceFactory
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<IFrameSource>>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<IFrameSource>> _last = new(StringComparer.Ordinal);
    private int _opens;

    public int Opens => Volatile.Read(ref _opens);

    public ScriptedFrameSourceFactory Then(string source, Func<IFrameSource> open)
    {
        _scripts.GetOrAdd(source, _ => new ConcurrentQueue<Func<IFrameSource>>()).Enqueue(open);
        return this;
    }

    public ScriptedFrameSourceFactory ThenFail(string source, string reason) =>
        Then(source, () => throw new FrameSourceException($"Video source '{source}' cannot be opened: {reason}"));

    public IFrameSource Open(string source)
    {
        Interlocked.Increment(ref _opens);
        var open = _scripts.TryGetValue(source, out var queue) && queue.TryDequeue(out var next)
            ? _last[source] = next
            : _last.TryGetValue(source, out var last) ? last : throw new FrameSourceException($"no script for {source}");
        return open();
    }
}

/// <summary>Records device events and lets a test wait for one that matches.</summary>
internal sealed class RecordingEventSink(TimeProvider clock) : IDeviceEventSink
{
    private readonly Lock _gate = new();
    private readonly List<DeviceEvent> _events = [];
    private readonly List<(Func<DeviceEvent, bool> Match, int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<DeviceEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public void Raise(DeviceEventKind kind, string? cameraId, string? reason, long? suppressedAlerts)
    {
        var e = new DeviceEvent(DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, Guid.NewGuid().ToString(), "test-device", kind, clock.GetUtcNow(), cameraId, reason, suppressedAlerts);
        lock (_gate)
        {
            _events.Add(e);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_events.Count(_waiters[i].Match) >= _waiters[i].Count)
                {
                    _waiters[i].Done.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>Completes once <paramref name="count"/> recorded events match (counting those already recorded).</summary>
    public Task WaitForAsync(Func<DeviceEvent, bool> match, int count = 1)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_events.Count(match) >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((match, count, done));
        }

        return done.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public int Count(DeviceEventKind kind, string? cameraId) => Events.Count(e => e.Kind == kind && e.CameraId == cameraId);
}
