using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Contracts.Resilience;

namespace Vsa.Edge.Agent.Capture;

/// <summary>
/// Keeps one camera running: a live source is wrapped in a <see cref="SupervisedFrameSource"/> (reconnects, stall
/// watchdog, latest frame); a file is opened with retries and reported when it ends early (truncated or corrupt).
/// If the camera's pipeline throws, the error is logged, the camera goes offline and the pipeline restarts after a
/// jittered, growing delay. Each camera has its own supervisor loop, so one failing camera never stops the others.
/// </summary>
public sealed class CameraSupervisor(
    IFrameSourceFactory sources, CaptureOptions options, IDeviceEventSink events, TimeProvider time, ILoggerFactory loggers, Func<double>? jitter = null)
{
    private readonly ILogger _logger = loggers.CreateLogger<CameraSupervisor>();

    /// <summary>Live frames older than this are dropped before analysis (<see cref="CaptureOptions.MaxFrameAge"/>).</summary>
    public TimeSpan MaxFrameAge => options.MaxFrameAge;

    /// <summary>
    /// Runs camera <paramref name="cameraId"/> until <paramref name="cancellationToken"/> fires (or, for a file, until
    /// it ends): opens <paramref name="source"/> and runs <paramref name="runPipeline"/> on it, again and again.
    /// </summary>
    public async Task RunAsync(string cameraId, string source, Func<IFrameSource, CancellationToken, Task> runPipeline, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(runPipeline);
        var spec = FrameSourceSpec.Parse(source);
        var status = new CameraStatus(cameraId, events);
        var backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, jitter);
        while (!cancellationToken.IsCancellationRequested)
        {
            var retry = TimeSpan.Zero;
            var file = spec.IsLive ? null : TryOpenFile(cameraId, source, spec, status, backoff, out retry);
            IFrameSource? opened = spec.IsLive
                ? SupervisedFrameSource.Start(cameraId, spec, () => sources.Open(source), options, status, time, _logger, jitter)
                : file;
            if (opened is null)
            {
                if (!await DelayAsync(retry, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            var started = time.GetTimestamp();
            TimeSpan delay;
            try
            {
                await runPipeline(opened, cancellationToken).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                if (file is not null)
                {
                    ReportFileEnd(cameraId, spec, file, status);
                    return;
                }

                // A supervised live source never ends by itself: something below gave up; start over.
                delay = NextDelay(backoff, started);
                CaptureLog.LiveRunEnded(_logger, cameraId, spec.Redacted, delay);
                status.MarkOffline("the pipeline ended");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure of one camera's pipeline is logged and that camera restarted; the others run on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                delay = NextDelay(backoff, started);
                CaptureLog.PipelineFailed(_logger, ex, cameraId, delay);
                status.MarkOffline($"pipeline failed: {FrameSourceSpec.Redact(ex.Message)}");
            }
            finally
            {
                opened.Dispose();
            }

            if (!await DelayAsync(delay, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private CountingFrameSource? TryOpenFile(string cameraId, string source, FrameSourceSpec spec, CameraStatus status, ReconnectBackoff backoff, out TimeSpan retry)
    {
        try
        {
            retry = TimeSpan.Zero;
            return new CountingFrameSource(sources.Open(source), status);
        }
        catch (FrameSourceException ex)
        {
            // The file may be being copied or replaced: try again later rather than giving the camera up.
            retry = backoff.Next();
            var reason = FrameSourceSpec.Redact(ex.Message);
            CaptureLog.OpenFailed(_logger, cameraId, spec.Redacted, backoff.Attempt, retry, reason);
            status.MarkOffline(reason);
            return null;
        }
    }

    // A camera that ran well for a while starts again from the shortest delay; a crash loop backs off.
    private TimeSpan NextDelay(ReconnectBackoff backoff, long started)
    {
        if (time.GetElapsedTime(started) >= options.ReconnectMaxDelay)
        {
            backoff.Reset();
        }

        return backoff.Next();
    }

    private void ReportFileEnd(string cameraId, FrameSourceSpec spec, CountingFrameSource file, CameraStatus status)
    {
        var expected = file.FrameCount;

        // Containers that estimate their frame count (from duration × fps) can be off by a few frames.
        if (expected > 0 && file.FramesConsumed < expected - Math.Max(2, expected / 100))
        {
            CaptureLog.FileTruncated(_logger, cameraId, spec.Redacted, file.FramesConsumed, expected);
            status.MarkOffline($"video file ended after {file.FramesConsumed} of {expected} frames (truncated or corrupt)");
        }
        else
        {
            CaptureLog.FileEnded(_logger, cameraId, spec.Redacted, file.FramesConsumed);
            status.MarkOffline("video file ended");
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, time, ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Counts what a file delivered (to tell a clean end from a truncated file) and reports the camera online at its first frame.
    private sealed class CountingFrameSource(IFrameSource inner, CameraStatus status) : IFrameSource
    {
        private long _consumed;

        public long FramesConsumed => Interlocked.Read(ref _consumed);

        public FrameSourceSpec Spec => inner.Spec;

        public double Fps => inner.Fps;

        public int FrameCount => inner.FrameCount;

        public int Width => inner.Width;

        public int Height => inner.Height;

        public bool TryRead(VideoFrame frame) => Count(inner.TryRead(frame));

        public bool TrySkip() => Count(inner.TrySkip());

        public void Dispose() => inner.Dispose();

        private bool Count(bool ok)
        {
            if (ok && Interlocked.Increment(ref _consumed) == 1)
            {
                status.MarkOnline(null);
            }

            return ok;
        }
    }
}
