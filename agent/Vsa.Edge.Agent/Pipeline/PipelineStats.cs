namespace Vsa.Edge.Agent.Pipeline;

/// <summary>Thread-safe figures of one camera pipeline, read by the heartbeat and the progress display.</summary>
public sealed class PipelineStats(string cameraId, TimeProvider time)
{
    private const int Window = 512;
    private readonly Lock _gate = new();
    private readonly double[] _inferenceMs = new double[Window];
    private readonly double[] _scratch = new double[Window];
    private int _inferenceCount;
    private long _processed;
    private long _dropped;
    private long _allocated;
    private long _lastProcessedTicks = long.MinValue;
    private long _snapshotProcessed;
    private long _snapshotTimestamp = time.GetTimestamp();

    // Registration counts as progress: a camera gets one progress timeout to deliver its first frame.
    private long _lastProgressTicks = time.GetTimestamp();
    private int _completed;

    /// <summary>The camera.</summary>
    public string CameraId { get; } = cameraId;

    /// <summary>Frames processed since start.</summary>
    public long FramesProcessed => Interlocked.Read(ref _processed);

    /// <summary>Frames dropped since start by the latest-frame policy.</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>The execution provider the camera's model runs on.</summary>
    public string ExecutionProvider { get; set; } = "";

    /// <summary>
    /// Time since the pipeline last showed it is alive: a frame processed, or its source reported offline (a camera
    /// that is down but being reconnected is not stuck). The systemd watchdog pings only while this stays short.
    /// </summary>
    public TimeSpan SinceProgress => time.GetElapsedTime(Interlocked.Read(ref _lastProgressTicks));

    /// <summary>The camera finished for good (a file source ended): not stuck, just done.</summary>
    public bool Completed
    {
        get => Volatile.Read(ref _completed) != 0;
        set => Volatile.Write(ref _completed, value ? 1 : 0);
    }

    /// <summary>The source is down and being reconnected: counts as progress for the watchdog.</summary>
    public void ReportSourceOffline() => Interlocked.Exchange(ref _lastProgressTicks, time.GetTimestamp());

    /// <summary>
    /// Managed bytes the pipeline's stages have allocated since start (counted on their own threads, channel hand-offs
    /// included): set-up, then nothing per frame in steady state — a figure that grows frame after frame is a regression.
    /// </summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocated);

    internal void AddAllocated(long bytes)
    {
        if (bytes != 0)
        {
            Interlocked.Add(ref _allocated, bytes);
        }
    }

    internal void FrameDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>Frames not analysed because the camera is suspended (kill switch), since start.</summary>
    public long FramesSuspended => Interlocked.Read(ref _suspended);

    /// <summary>Model runs since start.</summary>
    public long InferenceRuns
    {
        get
        {
            lock (_gate)
            {
                return _inferenceCount;
            }
        }
    }

    /// <summary>When the last model run ended (wall clock), or null before the first: what the kill-switch latency is measured to.</summary>
    public DateTimeOffset? LastInferenceAt => Interlocked.Read(ref _lastInferenceUtcTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    private long _suspended;
    private long _lastInferenceUtcTicks;

    internal void FrameSuspended() => Interlocked.Increment(ref _suspended);

    internal void FrameProcessed()
    {
        Interlocked.Increment(ref _processed);
        var now = time.GetTimestamp();
        Interlocked.Exchange(ref _lastProcessedTicks, now);
        Interlocked.Exchange(ref _lastProgressTicks, now);
    }

    internal void RecordInference(TimeSpan elapsed)
    {
        lock (_gate)
        {
            _inferenceMs[_inferenceCount % Window] = elapsed.TotalMilliseconds;
            _inferenceCount++;
        }

        Interlocked.Exchange(ref _lastInferenceUtcTicks, time.GetUtcNow().UtcTicks);
    }

    /// <summary>
    /// Figures since the previous snapshot: frames per second, inference p50/p95 (over the last 512 runs), and whether a
    /// frame was processed within <paramref name="onlineWithin"/>.
    /// </summary>
    public StatsSnapshot Snapshot(TimeSpan onlineWithin)
    {
        var now = time.GetTimestamp();
        var processed = FramesProcessed;
        double p50, p95;
        lock (_gate)
        {
            var n = Math.Min(_inferenceCount, Window);
            Array.Copy(_inferenceMs, _scratch, n);
            Array.Sort(_scratch, 0, n);
            p50 = n == 0 ? 0 : _scratch[(int)Math.Round(0.50 * (n - 1))];
            p95 = n == 0 ? 0 : _scratch[(int)Math.Round(0.95 * (n - 1))];
        }

        var seconds = time.GetElapsedTime(Interlocked.Exchange(ref _snapshotTimestamp, now), now).TotalSeconds;
        var frames = processed - Interlocked.Exchange(ref _snapshotProcessed, processed);
        var last = Interlocked.Read(ref _lastProcessedTicks);
        var online = last != long.MinValue && time.GetElapsedTime(last, now) <= onlineWithin;
        return new StatsSnapshot(CameraId, online, seconds > 0 ? frames / seconds : 0, FramesDropped, p50, p95);
    }
}

/// <summary>A pipeline's figures over one interval.</summary>
public readonly record struct StatsSnapshot(string CameraId, bool Online, double Fps, long FramesDropped, double InferenceMsP50, double InferenceMsP95);
