using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Benchmarks.Cameras;

/// <summary>How the cameras of one run get their ONNX Runtime session.</summary>
public enum SessionSharing
{
    /// <summary>One session for every camera, each camera its own detector and buffers (the agent's way).</summary>
    Shared,

    /// <summary>One session per camera, each with the same intra-op thread count.</summary>
    PerCamera,
}

/// <summary>What one setting measured: the cameras together and each frame's latency from its read to the sink.</summary>
public sealed record CameraRunResult(int Cameras, SessionSharing Sharing, int Frames, double Seconds, double CpuSeconds, double[] LatencyMs, double[] ModelMsP50, double[] PerCameraFps)
{
    /// <summary>Frames per second, all cameras together.</summary>
    public double AggregateFps => Frames / Seconds;

    /// <summary>
    /// The process's CPU time per frame (all threads; ONNX Runtime's threads do not spin): what a frame costs whatever
    /// share of a loaded machine the run got, so settings compare even when the machine's load changes.
    /// </summary>
    public double CpuMsPerFrame => CpuSeconds * 1000 / Frames;

    /// <summary>The <paramref name="q"/> quantile of the frames' read-to-sink latency, all cameras pooled.</summary>
    public double Latency(double q)
    {
        var sorted = LatencyMs.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[(int)Math.Round(q * (sorted.Length - 1))];
    }
}

/// <summary>
/// Several copies of the clip through the real pipeline at once (capture, pre-processing, model run,
/// decoding, tracking, the sample camera's rules), not paced: every frame processed as fast as the machine allows.
/// </summary>
public static class CameraRun
{
    public static async Task<CameraRunResult> RunAsync(string clip, CameraConfig camera, int cameras, SessionSharing sharing, int framesPerCamera, int intraOpThreads)
    {
        var models = new List<DetectorModel>();
        try
        {
            for (var i = 0; i < (sharing == SessionSharing.Shared ? 1 : cameras); i++)
            {
                models.Add(LoadModel(intraOpThreads));
            }

            var factory = new OpenCvFrameSourceFactory(TimeProvider.System, NullLogger<OpenCvFrameSourceFactory>.Instance);
            var runs = new List<(IFrameSource Source, OnnxDetector Detector, LatencySink Sink, CameraPipeline Pipeline, PipelineStats Stats)>();
            try
            {
                for (var i = 0; i < cameras; i++)
                {
                    var model = models[i % models.Count];
                    var detector = model.CreateDetector();
                    var source = new TimedSource(factory.Open(clip), framesPerCamera);
                    var config = camera with { CameraId = $"{camera.CameraId}-{i + 1}" };
                    var sink = new LatencySink(source, framesPerCamera);
                    var stats = new PipelineStats(config.CameraId, TimeProvider.System);
                    var pipeline = new CameraPipeline(
                        config.CameraId,
                        source,
                        detector,
                        new ByteTracker(new TrackerOptions()),
                        new RuleEngine(config, model.Manifest, "bench"),
                        sink,
                        new PipelineOptions { Replay = true, ScoreThreshold = model.ScoreThreshold },
                        stats,
                        TimeProvider.System,
                        NullLogger.Instance);
                    runs.Add((source, detector, sink, pipeline, stats));
                }

                // The first model run of a session is slow (ONNX Runtime's lazy set-up): out of the measurement.
                foreach (var (_, detector, _, _, _) in runs)
                {
                    using var buffers = detector.CreateBuffers();
                    detector.Run(buffers);
                }

                using var process = Process.GetCurrentProcess();
                var cpuBefore = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                var ended = new double[cameras];
                await Task.WhenAll(runs.Select(async (r, i) =>
                {
                    await Task.Run(() => r.Pipeline.RunAsync(CancellationToken.None));
                    ended[i] = Stopwatch.GetElapsedTime(started).TotalSeconds;
                }));
                var seconds = ended.Max();
                process.Refresh();
                var cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
                var frames = runs.Sum(r => r.Sink.Count);
                if (frames != cameras * framesPerCamera)
                {
                    throw new InvalidOperationException($"processed {frames} frames, expected {cameras} × {framesPerCamera}: the clip is shorter than --frames?");
                }

                return new CameraRunResult(
                    cameras,
                    sharing,
                    frames,
                    seconds,
                    cpuSeconds,
                    [.. runs.SelectMany(r => r.Sink.LatencyMs)],
                    [.. runs.Select(r => r.Stats.Snapshot(TimeSpan.Zero).InferenceMsP50)],
                    [.. runs.Select((r, i) => r.Sink.Count / ended[i])]);
            }
            finally
            {
                foreach (var (source, detector, _, _, _) in runs)
                {
                    source.Dispose();
                    detector.Dispose();
                }
            }
        }
        finally
        {
            foreach (var model in models)
            {
                model.Dispose();
            }
        }
    }

    /// <summary>The model on the CPU provider with <paramref name="intraOpThreads"/> intra-op threads.</summary>
    public static DetectorModel LoadModel(int intraOpThreads) => DetectorModel.Load(
        new InferenceOptions
        {
            ModelDirectory = Vsa.Edge.Testing.TestAssets.NanoDetDirectory,
            ExecutionProviders = [ExecutionProviderNames.Cpu],
            IntraOpThreads = intraOpThreads,
        },
        NullLogger.Instance);

    /// <summary>The first frames of a source, each read's time kept by frame index.</summary>
    private sealed class TimedSource(IFrameSource inner, int count) : IFrameSource
    {
        private readonly long[] _readAt = new long[count];
        private int _read;

        public FrameSourceSpec Spec => inner.Spec;

        public double Fps => inner.Fps;

        public int FrameCount => count;

        public int Width => inner.Width;

        public int Height => inner.Height;

        public long ReadAt(long frameIndex) => _readAt[frameIndex];

        public bool TryRead(VideoFrame frame)
        {
            if (_read >= count || !inner.TryRead(frame))
            {
                return false;
            }

            _read++;
            _readAt[frame.Index] = Stopwatch.GetTimestamp();
            return true;
        }

        public bool TrySkip() => _read++ < count && inner.TrySkip();

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Each frame's time from its read (capture) to the sink (after decoding, tracking and rules).</summary>
    private sealed class LatencySink(TimedSource source, int count) : IPipelineSink
    {
        public double[] LatencyMs { get; } = new double[count];

        public int Count { get; private set; }

        public void OnFrame(in FrameResult frame) => LatencyMs[Count++] = Stopwatch.GetElapsedTime(source.ReadAt(frame.FrameIndex)).TotalMilliseconds;

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
            // Counted frames only; alerts go nowhere.
        }
    }
}
