using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Vsa.Edge.Contracts.Resilience;

namespace Vsa.Edge.Agent.Capture;

/// <summary>
/// A live camera that never ends: a reader thread opens the source, reads frames into its own buffer and hands the
/// newest one over (latest-frame policy, no copy: the images are exchanged); when the source fails it reconnects
/// with jittered exponential backoff. A watchdog on <see cref="TimeProvider"/> declares the camera stalled when no
/// frame arrived for <see cref="CaptureOptions.StallTimeout"/>, even while the read is still blocked in the decoder:
/// that reader is abandoned (it releases its capture whenever its read returns) and a fresh one reconnects.
/// <see cref="TryRead(VideoFrame, CancellationToken)"/> waits for the next frame; it returns false only once disposed.
/// </summary>
internal sealed class SupervisedFrameSource : IFrameSource
{
    private readonly string _cameraId;
    private readonly Func<IFrameSource> _open;
    private readonly CaptureOptions _options;
    private readonly CameraStatus _status;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReconnectBackoff _backoff;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _frameReady = new(false);
    private readonly CancellationTokenSource _disposing = new();
    private readonly CancellationToken _stopping;
    private readonly ITimer _watchdog;
    private VideoFrame _ready = new();
    private bool _hasReady;
    private bool _disposed;
    private int _generation;
    private bool _watching;
    private long _lastFrameTimestamp;
    private long _nextIndex;
    private long _overwritten;
    private long _stale;
    private int _width;
    private int _height;
    private double _fps;

    private SupervisedFrameSource(
        string cameraId, FrameSourceSpec spec, Func<IFrameSource> open, CaptureOptions options, CameraStatus status, TimeProvider time, ILogger logger, Func<double>? jitter)
    {
        _cameraId = cameraId;
        Spec = spec;
        _open = open;
        _options = options;
        _status = status;
        _time = time;
        _logger = logger;
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, jitter);
        _stopping = _disposing.Token;
        var period = TimeSpan.FromTicks(Math.Max(options.StallTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond));
        _watchdog = time.CreateTimer(_ => CheckStall(), null, period, period);
    }

    /// <inheritdoc />
    public FrameSourceSpec Spec { get; }

    /// <inheritdoc />
    public double Fps => Volatile.Read(ref _fps);

    /// <inheritdoc />
    public int FrameCount => -1;

    /// <inheritdoc />
    public int Width => Volatile.Read(ref _width);

    /// <inheritdoc />
    public int Height => Volatile.Read(ref _height);

    /// <summary>Frames replaced by a newer one before anybody took them.</summary>
    public long FramesOverwritten => Interlocked.Read(ref _overwritten);

    /// <summary>Frames found older than <see cref="CaptureOptions.MaxFrameAge"/> when taken, and dropped.</summary>
    public long FramesStale => Interlocked.Read(ref _stale);

    /// <summary>Starts reading <paramref name="spec"/> (a live source) in the background; returns at once.</summary>
    public static SupervisedFrameSource Start(
        string cameraId, FrameSourceSpec spec, Func<IFrameSource> open, CaptureOptions options, CameraStatus status, TimeProvider time, ILogger logger, Func<double>? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.IsLive)
        {
            throw new ArgumentException("Only live sources are supervised; files end.", nameof(spec));
        }

        var source = new SupervisedFrameSource(cameraId, spec, open, options, status, time, logger, jitter);
        source.StartReader(0, TimeSpan.Zero);
        return source;
    }

    /// <inheritdoc />
    public bool TryRead(VideoFrame frame) => TryRead(frame, CancellationToken.None);

    /// <inheritdoc />
    public bool TryRead(VideoFrame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return Take(frame, cancellationToken);
    }

    /// <inheritdoc />
    public bool TrySkip() => Take(null, CancellationToken.None);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watching = false;
            _frameReady.Set();
            _ready.Dispose();
        }

        // Cancelled before disposal so that a reader still holding the token sees it cancelled, never disposed.
        _disposing.Cancel();
        _watchdog.Dispose();
        _disposing.Dispose();
    }

    private bool Take(VideoFrame? target, CancellationToken ct)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                if (_hasReady)
                {
                    _hasReady = false;
                    if (_time.GetUtcNow() - _ready.Timestamp > _options.MaxFrameAge)
                    {
                        _stale++;
                        continue;
                    }

                    target?.ExchangeWith(_ready);
                    return true;
                }

                _frameReady.Reset();
            }

            _frameReady.Wait(ct);
        }
    }

    private void StartReader(int generation, TimeSpan delay)
    {
        var thread = new Thread(() => ReadLoop(generation, delay)) { IsBackground = true, Name = $"capture-{_cameraId}" };
        thread.Start();
    }

    // One reader per generation. A reader whose generation was superseded (stall) or whose source was disposed
    // stops at its next step and releases what it holds.
    private void ReadLoop(int generation, TimeSpan delay)
    {
        var writing = new VideoFrame();
        IFrameSource? source = null;
        try
        {
            if (delay > TimeSpan.Zero && !Wait(delay))
            {
                return;
            }

            while (true)
            {
                if (source is null)
                {
                    try
                    {
                        source = _open();
                    }
                    catch (FrameSourceException ex)
                    {
                        if (Failed(generation, ex.Message, opening: true) is not { } retry || !Wait(retry))
                        {
                            return;
                        }

                        continue;
                    }

                    if (!Opened(generation, source))
                    {
                        return;
                    }
                }

                string? failure = null;
                bool read;
                try
                {
                    read = source.TryRead(writing);
                }
                catch (Exception ex) when (ex is OpenCVException or FrameSourceException or IOException or InvalidOperationException or ExternalException)
                {
                    read = false;
                    failure = ex.Message;
                }

                if (read)
                {
                    if (!Publish(generation, ref writing))
                    {
                        CaptureLog.AbandonedReadReturned(_logger, _cameraId);
                        return;
                    }

                    continue;
                }

                source.Dispose();
                source = null;
                if (Failed(generation, failure ?? "the stream ended or a read failed", opening: false) is not { } delayNext || !Wait(delayNext))
                {
                    return;
                }
            }
        }
        finally
        {
            source?.Dispose();
            writing.Dispose();
        }
    }

    private bool Opened(int generation, IFrameSource source)
    {
        lock (_gate)
        {
            if (_disposed || generation != _generation)
            {
                return false;
            }

            // The stall clock starts at the open: a stream that opens but never delivers counts as stalled too.
            _watching = true;
            _lastFrameTimestamp = _time.GetTimestamp();
            Volatile.Write(ref _width, source.Width);
            Volatile.Write(ref _height, source.Height);
            Volatile.Write(ref _fps, source.Fps);
            return true;
        }
    }

    private bool Publish(int generation, ref VideoFrame writing)
    {
        bool first;
        lock (_gate)
        {
            if (_disposed || generation != _generation)
            {
                return false;
            }

            // Indexes keep counting across reconnects, so the pipeline sees one stream.
            writing.Index = _nextIndex++;
            if (_hasReady)
            {
                _overwritten++;
            }

            (_ready, writing) = (writing, _ready);
            _hasReady = true;
            _lastFrameTimestamp = _time.GetTimestamp();
            _frameReady.Set();
            first = _status.IsOnline != true;
            if (first)
            {
                _backoff.Reset();
            }
        }

        if (first && _status.MarkOnline(null))
        {
            CaptureLog.Online(_logger, _cameraId, Spec.Redacted);
        }

        return true;
    }

    // Returns the delay before the next attempt, or null when this reader must stop (disposed or superseded).
    private TimeSpan? Failed(int generation, string reason, bool opening)
    {
        TimeSpan delay;
        int attempt;
        lock (_gate)
        {
            if (_disposed || generation != _generation)
            {
                return null;
            }

            _watching = false;
            delay = _backoff.Next();
            attempt = _backoff.Attempt;
        }

        var redacted = FrameSourceSpec.Redact(reason);
        if (opening)
        {
            CaptureLog.OpenFailed(_logger, _cameraId, Spec.Redacted, attempt, delay, redacted);
        }
        else
        {
            CaptureLog.SourceLost(_logger, _cameraId, Spec.Redacted, attempt, delay, redacted);
        }

        _status.MarkOffline(redacted);
        return delay;
    }

    private void CheckStall()
    {
        TimeSpan elapsed;
        TimeSpan delay;
        int generation;
        lock (_gate)
        {
            if (_disposed || !_watching)
            {
                return;
            }

            elapsed = _time.GetElapsedTime(_lastFrameTimestamp);
            if (elapsed < _options.StallTimeout)
            {
                return;
            }

            // Supersede the blocked reader: whatever its read returns is discarded.
            _watching = false;
            generation = ++_generation;
            delay = _backoff.Next();
        }

        CaptureLog.Stalled(_logger, _cameraId, elapsed, _options.StallTimeout, delay);
        _status.MarkOffline($"no frame for {_options.StallTimeout}");
        StartReader(generation, delay);
    }

    private bool Wait(TimeSpan delay)
    {
        try
        {
            Task.Delay(delay, _time, _stopping).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
