using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>
/// One camera: capture → (bounded channel) → pre-process + model run → (bounded channel) → decode, track, rules → sink.
/// The stages run concurrently so decoding and capture overlap the model run. Frames and inference buffers cycle
/// through small pools, so steady state allocates no Mat and no tensor. Replay waits on a full queue (every frame is
/// processed); live drops the oldest queued frame (latest-frame policy) and counts it. Channel waits take no cancellation
/// token: a cancellable wait allocates a new waiter each time it has to wait (a non-cancellable one reuses the channel's
/// own), so stopping completes the channels instead, which wakes every waiting stage.
/// </summary>
public sealed partial class CameraPipeline
{
    // One buffer set being run, one queued for decoding, one being decoded.
    private const int BufferSets = 3;

    private readonly string _cameraId;
    private readonly IFrameSource _source;
    private OnnxDetector _detector;
    private DetectorSwap? _pendingDetector;
    private readonly ByteTracker _tracker;
    private RuleEngine? _rules;
    private RuleEngine? _pendingRules;
    private readonly IPipelineSink _sink;
    private readonly PipelineOptions _options;
    private readonly PipelineStats _stats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<VideoFrame> _freeFrames = new();
    private readonly List<Detection> _candidates = new(256);
    private readonly List<Detection> _reported = new(64);
    private readonly List<AlertMessage> _alerts = [];
    private int[] _candidateTrackIds = new int[256];
    private int[] _reportedTrackIds = new int[64];
    private DateTimeOffset? _lastTimestamp;
    private int _started;

    public CameraPipeline(
        string cameraId,
        IFrameSource source,
        OnnxDetector detector,
        ByteTracker tracker,
        RuleEngine? rules,
        IPipelineSink sink,
        PipelineOptions options,
        PipelineStats stats,
        TimeProvider time,
        ILogger logger)
    {
        _cameraId = cameraId;
        _source = source;
        _detector = detector;
        _tracker = tracker;
        _rules = rules;
        _sink = sink;
        _options = options;
        _stats = stats;
        _time = time;
        _logger = logger;
        _stats.ExecutionProvider = detector.Model.ExecutionProvider;
    }

    /// <summary>
    /// Swaps the rules at the next processed frame (configuration reload, any thread): the current rules first end their
    /// open alerts, so no alert of a zone that may no longer exist stays open. Capture and inference go on undisturbed.
    /// </summary>
    public void ReplaceRules(RuleEngine rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Interlocked.Exchange(ref _pendingRules, rules);
    }

    /// <summary>
    /// Swaps the detector between two frames (model update or rollback, any thread): the next frame the inference stage
    /// takes is run by <paramref name="detector"/>; capture, tracks and open alerts go on undisturbed and no frame is
    /// skipped. The returned task completes with the index of the first frame the new detector ran on. The caller keeps
    /// owning both detectors (the old one may still decode a frame in flight) and disposes them once the pipeline ends.
    /// </summary>
    public Task<long> ReplaceDetector(OnnxDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var swap = new DetectorSwap(detector);
        Interlocked.Exchange(ref _pendingDetector, swap)?.Done.TrySetCanceled();
        return swap.Done.Task;
    }

    /// <summary>The detector the inference stage runs now.</summary>
    public OnnxDetector Detector => Volatile.Read(ref _detector);

    /// <summary>
    /// The camera's pixel work besides the detector (privacy masks, pose, fire candidates, debug annotation), owned by
    /// the caller; set it before <see cref="RunAsync"/>. Null: detection, tracking and rules only.
    /// </summary>
    public FrameAnalysis? Analysis { get; init; }

    /// <summary>The kill switch, read before every model run (null: never suspended). See CameraPipeline.Suspension.cs.</summary>
    public Suspension.ICameraSuspension? Suspension { get; init; }

    /// <summary>Runs until the source ends (files) or <paramref name="cancellationToken"/> fires; then ends every open alert. Call once.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A camera pipeline runs once; create a new one to run again.");
        }

        // Frames that travel with their job to the last stage (pose, fire, annotation) need one more frame per buffer set.
        var frameCount = _options.FrameQueueCapacity + 2 + (Analysis?.NeedsPixels == true ? BufferSets : 0);
        var frames = Channel.CreateBounded<VideoFrame>(
            new BoundedChannelOptions(_options.FrameQueueCapacity)
            {
                FullMode = _options.Replay ? BoundedChannelFullMode.Wait : BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = true,
            },
            dropped =>
            {
                _stats.FrameDropped();
                _freeFrames.Enqueue(dropped);
            });
        var results = Channel.CreateBounded<InferenceJob>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var freeJobs = Channel.CreateUnbounded<InferenceJob>(new UnboundedChannelOptions { SingleReader = true });
        var allFrames = new List<VideoFrame>(frameCount);
        var allJobs = new List<InferenceJob>(BufferSets);
        for (var i = 0; i < frameCount; i++)
        {
            allFrames.Add(new VideoFrame());
            _freeFrames.Enqueue(allFrames[^1]);
        }

        for (var i = 0; i < BufferSets; i++)
        {
            allJobs.Add(new InferenceJob(_detector.CreateBuffers(), _detector));
            freeJobs.Writer.TryWrite(allJobs[^1]);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var wake = stop.Token.UnsafeRegister(
            _ =>
            {
                frames.Writer.TryComplete();
                results.Writer.TryComplete();
                freeJobs.Writer.TryComplete();
            },
            null);
        try
        {
            var capture = RunStage(() => CaptureAsync(frames.Writer, stop.Token), e => frames.Writer.TryComplete(e), stop);
            var infer = RunStage(() => InferAsync(frames.Reader, freeJobs.Reader, results.Writer, stop.Token), e => results.Writer.TryComplete(e), stop);
            var post = RunStage(() => PostProcessAsync(results.Reader, freeJobs.Writer, stop.Token), _ => { }, stop);
            var all = Task.WhenAll(capture, infer, post);
            try
            {
                await all.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (all.Exception?.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) is { } cause)
            {
                // A failing stage cancels the others; report its error, not their cancellation.
                ExceptionDispatchInfo.Capture(cause).Throw();
            }
        }
        finally
        {
            // Ends the alerts still open at the last frame's time, also on Ctrl+C, so no alert stays open forever.
            FlushRules();
            Interlocked.Exchange(ref _pendingDetector, null)?.Done.TrySetCanceled(CancellationToken.None);
            foreach (var f in allFrames)
            {
                f.Dispose();
            }

            foreach (var j in allJobs)
            {
                j.Buffers.Dispose();
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    // Runs a stage on the thread pool; a failing stage cancels the others and completes its output channel with the error.
    private static Task RunStage(Func<Task> stage, Action<Exception?> complete, CancellationTokenSource stop) =>
        Task.Run(async () =>
        {
            try
            {
                await stage().ConfigureAwait(false);
                complete(null);
            }
            catch (Exception ex)
            {
                complete(ex is OperationCanceledException ? null : ex);
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        });

    private void Process(long frameIndex, DateTimeOffset timestamp, Mat? image)
    {
        if (_candidateTrackIds.Length < _candidates.Count)
        {
            _candidateTrackIds = new int[Math.Max(_candidates.Count, _candidateTrackIds.Length * 2)];
        }

        var trackIds = _candidateTrackIds.AsSpan(0, _candidates.Count);
        var tracks = _tracker.Update(_candidates, timestamp, trackIds);

        _reported.Clear();
        if (_reportedTrackIds.Length < _candidates.Count)
        {
            _reportedTrackIds = new int[_candidateTrackIds.Length];
        }

        for (var i = 0; i < _candidates.Count; i++)
        {
            if (_candidates[i].Score >= _options.ScoreThreshold)
            {
                _reportedTrackIds[_reported.Count] = trackIds[i];
                _reported.Add(_candidates[i]);
            }
        }

        var result = new FrameResult(_cameraId, frameIndex, timestamp, CollectionsMarshal.AsSpan(_reported), _reportedTrackIds.AsSpan(0, _reported.Count));
        _sink.OnFrame(result);
        _lastTimestamp = timestamp;
        SwapRulesIfPending(timestamp);
        _alerts.Clear();
        var aspect = FrameAspect(image);

        // Civil time, not the frame's: an authorisation ends by the wall clock (its timer also refreshes it, frame or not).
        _rules?.Authorisation?.Refresh(_time.GetUtcNow());
        var wanted = _rules?.ActiveInputs ?? FrameAnalysis.AllInputs;
        var observation = Analysis?.Observe(image, tracks, timestamp, aspect, wanted) ?? new FrameObservation(tracks, timestamp) { FrameAspectRatio = aspect };
        if (_rules is not null)
        {
            _rules.Evaluate(observation, _alerts);
            if (_alerts.Count > 0)
            {
                _sink.OnAlerts(_alerts);
            }
        }

        Analysis?.Annotate(image, result, observation, _alerts);

        _stats.FrameProcessed();
    }

    // Width over height, so box shapes are judged in pixels; 0 (unknown) only if the source reports no size.
    private double FrameAspect(Mat? image) =>
        image is { Rows: > 0 } ? image.Cols / (double)image.Rows
        : _source.Height > 0 ? _source.Width / (double)_source.Height
        : 0;

    private void SwapRulesIfPending(DateTimeOffset timestamp)
    {
        var next = Interlocked.Exchange(ref _pendingRules, null);
        if (next is null)
        {
            return;
        }

        FlushRules(timestamp);
        _rules = next;
    }

    private void FlushRules(DateTimeOffset? at = null)
    {
        if (_rules is null)
        {
            return;
        }

        _alerts.Clear();
        _rules.Flush(at ?? _lastTimestamp ?? _time.GetUtcNow(), _alerts);
        if (_alerts.Count > 0)
        {
            _sink.OnAlerts(_alerts);
        }

        Analysis?.Complete(_alerts);
    }
}
