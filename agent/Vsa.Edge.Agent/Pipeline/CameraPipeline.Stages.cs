using System.Threading.Channels;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>
/// The three stages. Their channel waits take no token (a cancellable wait allocates its waiter, a plain one reuses the
/// channel's); <see cref="RunAsync"/> completes the channels when the run stops, and a stage that finds its channel
/// closed by the stop ends with <see cref="OperationCanceledException"/>. Each stage counts what it allocates
/// (<see cref="PipelineStats.AllocatedBytes"/>): nothing per frame in steady state.
/// </summary>
public sealed partial class CameraPipeline
{
    // The source belongs to the caller (it disposes it); reconnection of a live source is the camera supervisor's job.
    private async Task CaptureAsync(ChannelWriter<VideoFrame> output, CancellationToken ct)
    {
        var meter = new StageMeter(_stats);
        var next = 0L;
        while (!ct.IsCancellationRequested)
        {
            if (_options.Every > 1 && next % _options.Every != 0)
            {
                if (!_source.TrySkip())
                {
                    break;
                }

                next++;
                continue;
            }

            if (!_freeFrames.TryDequeue(out var frame))
            {
                throw new InvalidOperationException("Frame pool exhausted: a frame was not returned.");
            }

            if (!_source.TryRead(frame, ct))
            {
                _freeFrames.Enqueue(frame);
                break;
            }

            next++;

            // Privacy masks are blanked before anything downstream (detector, pose, fire, debug video) sees the frame.
            Analysis?.BlankMasks(frame.Image);
            if (_options.PaceFiles && !_source.Spec.IsLive)
            {
                var wait = frame.Timestamp - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    var delay = Task.Delay(wait, _time, ct);
                    meter.Pause();
                    await delay.ConfigureAwait(false);
                    meter.Resume();
                }
            }

            var written = output.WriteAsync(frame, CancellationToken.None);
            meter.Pause();
            try
            {
                await written.ConfigureAwait(false);
            }
            catch (ChannelClosedException) when (ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }

            meter.Resume();
        }

        meter.Pause();
        PipelineLog.SourceEnded(_logger, _cameraId, _source.Spec.Redacted, next);
    }

    private async Task InferAsync(ChannelReader<VideoFrame> input, ChannelReader<InferenceJob> freeJobs, ChannelWriter<InferenceJob> output, CancellationToken ct)
    {
        var meter = new StageMeter(_stats);
        while (!ct.IsCancellationRequested)
        {
            var waiting = input.WaitToReadAsync(CancellationToken.None);
            meter.Pause();
            var more = await waiting.ConfigureAwait(false);
            meter.Resume();
            if (!more)
            {
                break;
            }

            while (!ct.IsCancellationRequested && input.TryRead(out var frame))
            {
                if (IsStale(frame))
                {
                    // Latest-frame policy: a live frame that waited longer than MaxFrameAge is not worth analysing.
                    _stats.FrameDropped();
                    _freeFrames.Enqueue(frame);
                    continue;
                }

                if (Suspension?.IsSuspended(_cameraId) == true)
                {
                    // Kill switch: no model run, no rules; capture keeps draining. The first suspended frame ends the open alerts.
                    _stats.FrameSuspended();
                    _freeFrames.Enqueue(frame);
                    if (!_suspendedSignalled)
                    {
                        meter.Pause();
                        _suspendedSignalled = await SignalSuspendedAsync(freeJobs, output).ConfigureAwait(false);
                        meter.Resume();
                    }

                    continue;
                }

                ResumeIfSuspended();
                InferenceJob? job;
                while (!freeJobs.TryRead(out job))
                {
                    var free = freeJobs.WaitToReadAsync(CancellationToken.None);
                    meter.Pause();
                    var open = await free.ConfigureAwait(false);
                    meter.Resume();
                    if (!open)
                    {
                        // Completed only by the stop: the frame goes back to the pool.
                        _freeFrames.Enqueue(frame);
                        throw new OperationCanceledException(ct);
                    }
                }

                var keep = false;
                try
                {
                    var detector = TakeDetectorSwap(frame.Index);
                    if (job.Detector != detector)
                    {
                        // A job free again after a swap: its buffers are bound to the old model's session.
                        job.Buffers.Dispose();
                        job.Buffers = detector.CreateBuffers();
                        job.Detector = detector;
                    }

                    detector.Preprocess(frame.Image, job.Buffers);
                    job.FrameIndex = frame.Index;
                    job.Timestamp = frame.Timestamp;

                    // Pose, fire and annotation read the pixels on the last stage: then the frame travels with its job.
                    keep = Analysis?.NeedsPixels == true;
                    job.Frame = keep ? frame : null;
                }
                finally
                {
                    if (!keep)
                    {
                        _freeFrames.Enqueue(frame);
                    }
                }

                var started = _time.GetTimestamp();
                job.Detector.Run(job.Buffers);
                _stats.RecordInference(_time.GetElapsedTime(started));
                var written = output.WriteAsync(job, CancellationToken.None);
                meter.Pause();
                try
                {
                    await written.ConfigureAwait(false);
                }
                catch (ChannelClosedException) when (ct.IsCancellationRequested)
                {
                    throw new OperationCanceledException(ct);
                }

                meter.Resume();
            }
        }

        meter.Pause();
        ct.ThrowIfCancellationRequested();
    }

    private bool IsStale(VideoFrame frame) =>
        !_options.Replay && _options.MaxFrameAge is { } max && _time.GetUtcNow() - frame.Timestamp > max;

    private async Task PostProcessAsync(ChannelReader<InferenceJob> input, ChannelWriter<InferenceJob> freeJobs, CancellationToken ct)
    {
        var meter = new StageMeter(_stats);
        var candidateThreshold = MathF.Min(_options.CandidateScoreThreshold, _options.ScoreThreshold);
        while (!ct.IsCancellationRequested)
        {
            var waiting = input.WaitToReadAsync(CancellationToken.None);
            meter.Pause();
            var more = await waiting.ConfigureAwait(false);
            meter.Resume();
            if (!more)
            {
                break;
            }

            while (!ct.IsCancellationRequested && input.TryRead(out var job))
            {
                if (job.Suspended)
                {
                    job.Suspended = false;
                    freeJobs.TryWrite(job);
                    EndForSuspension();
                    continue;
                }

                job.Detector.Decode(job.Buffers, candidateThreshold, _candidates);
                var (index, timestamp, frame) = (job.FrameIndex, job.Timestamp, job.Frame);
                job.Frame = null;
                freeJobs.TryWrite(job);
                try
                {
                    Process(index, timestamp, frame?.Image);
                }
                finally
                {
                    if (frame is not null)
                    {
                        _freeFrames.Enqueue(frame);
                    }
                }
            }
        }

        meter.Pause();
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Counts a stage's managed allocations into <see cref="PipelineStats.AllocatedBytes"/>. A stage stays on one thread
    /// between two awaits, so it is paused just before each await (after the call that may have to wait, whose waiter
    /// counts) and resumed after it, on whichever thread continues; only the thread pool's dispatch is left out.
    /// </summary>
    private struct StageMeter(PipelineStats stats)
    {
        private long _mark = GC.GetAllocatedBytesForCurrentThread();

        public readonly void Pause() => stats.AddAllocated(GC.GetAllocatedBytesForCurrentThread() - _mark);

        public void Resume() => _mark = GC.GetAllocatedBytesForCurrentThread();
    }

    // The detector for the next frame: a pending swap takes effect here, between two frames.
    private OnnxDetector TakeDetectorSwap(long frameIndex)
    {
        if (Volatile.Read(ref _pendingDetector) is null)
        {
            return _detector;
        }

        var swap = Interlocked.Exchange(ref _pendingDetector, null);
        if (swap is not null)
        {
            Volatile.Write(ref _detector, swap.Detector);
            _stats.ExecutionProvider = swap.Detector.Model.ExecutionProvider;
            swap.Done.TrySetResult(frameIndex);
        }

        return _detector;
    }

    private sealed class DetectorSwap(OnnxDetector detector)
    {
        public OnnxDetector Detector { get; } = detector;

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class InferenceJob(InferenceBuffers buffers, OnnxDetector detector)
    {
        public InferenceBuffers Buffers { get; set; } = buffers;

        /// <summary>The detector whose session <see cref="Buffers"/> are bound to (it decodes them too).</summary>
        public OnnxDetector Detector { get; set; } = detector;

        public long FrameIndex { get; set; }

        public DateTimeOffset Timestamp { get; set; }

        /// <summary>The frame, kept until the last stage when <see cref="FrameAnalysis.NeedsPixels"/>; otherwise null.</summary>
        public VideoFrame? Frame { get; set; }

        /// <summary>Not a frame: the camera was just suspended, the last stage ends its open alerts.</summary>
        public bool Suspended { get; set; }
    }
}
