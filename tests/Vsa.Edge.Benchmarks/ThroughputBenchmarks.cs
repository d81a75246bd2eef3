using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Configuration;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Benchmarks;

/// <summary>
/// Model-only inference rate against the whole <c>analyze</c> path (decode the clip, pre-process, run, decode, NMS,
/// track, rules, write detections JSON) on the same frames, with the same model and thread settings, in one run.
/// Both report time per frame; the Ratio column is end-to-end ÷ model-only, so the end-to-end rate is
/// 1/Ratio of the model-only rate (goal ≥ 0.9: pre-processing and decoding overlap the model run).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class ThroughputBenchmarks
{
    private const int Frames = 100;

    private DetectorModel _model = null!;
    private OnnxDetector _detector = null!;
    private InferenceBuffers _buffers = null!;
    private CameraConfig _camera = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchAssets.LoadCpuModel();
        _detector = _model.CreateDetector();
        _buffers = _detector.CreateBuffers();
        using var frame = BenchAssets.ReadClipFrame(100);
        _detector.Preprocess(frame, _buffers);
        _camera = CameraConfigLoader.Load(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "model only (ORT run)")]
    public void ModelOnly()
    {
        for (var i = 0; i < Frames; i++)
        {
            _detector.Run(_buffers);
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "analyze end to end")]
    public async Task AnalyzeEndToEnd()
    {
        var factory = new OpenCvFrameSourceFactory(TimeProvider.System, NullLogger<OpenCvFrameSourceFactory>.Instance);
        using var source = new FirstFrames(factory.Open(TestAssets.DemoClip), Frames);
        using var detections = new DetectionsWriter(TextWriter.Null, _model.Manifest.Labels);
        var sink = new AnalyzeSink(detections, TextWriter.Null, null, new ProgressReporter(TextWriter.Null, false, Frames, TimeProvider.System));
        var pipeline = new CameraPipeline(
            _camera.CameraId,
            source,
            _detector,
            new ByteTracker(new TrackerOptions()),
            new RuleEngine(_camera, _model.Manifest, "bench"),
            sink,
            new PipelineOptions { Replay = true, ScoreThreshold = _model.ScoreThreshold },
            new PipelineStats(_camera.CameraId, TimeProvider.System),
            TimeProvider.System,
            NullLogger.Instance);
        await pipeline.RunAsync(CancellationToken.None);
        if (sink.FramesProcessed != Frames)
        {
            throw new InvalidOperationException($"processed {sink.FramesProcessed} frames, expected {Frames}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffers.Dispose();
        _detector.Dispose();
        _model.Dispose();
    }

    /// <summary>The first <paramref name="count"/> frames of a source, so both benchmarks see the same number of frames.</summary>
    private sealed class FirstFrames(IFrameSource inner, int count) : IFrameSource
    {
        private int _read;

        public FrameSourceSpec Spec => inner.Spec;

        public double Fps => inner.Fps;

        public int FrameCount => count;

        public int Width => inner.Width;

        public int Height => inner.Height;

        public bool TryRead(VideoFrame frame) => _read++ < count && inner.TryRead(frame);

        public bool TrySkip() => _read++ < count && inner.TrySkip();

        public void Dispose() => inner.Dispose();
    }
}
