using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// Runs the agent's own camera pipeline (capture, privacy masks, the detector, the tracker, the rule engine, pose and
/// fire when enabled: <see cref="FrameAnalysis"/>) on the set-up source with the draft document, feeding the live view.
/// A valid edit swaps rules and masks in place, as a configuration reload does on a running agent; an edit that needs
/// other pixel work (pose, fire, static regions) restarts the pipeline. A clip replays in a loop at its own frame rate.
/// Nothing is published: the alerts are only shown.
/// </summary>
internal sealed class LiveRunner(string source, DetectorModel model, Func<PoseModel> poseModel, LiveView view, string deviceId, TimeProvider time, ILoggerFactory loggers)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger = loggers.CreateLogger<LiveRunner>();
    private readonly Lock _lock = new();
    private CameraConfig _camera = view.Camera;
    private CameraPipeline? _pipeline;
    private FrameAnalysis? _analysis;
    private RuleInputs _inputs;
    private CancellationTokenSource? _restart;

    /// <summary>Takes a validated draft: rules and masks swap at the next frame (or the pipeline restarts when its pixel work changes).</summary>
    public void Apply(CameraConfig camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        lock (_lock)
        {
            _camera = camera;
            view.Camera = camera;
            if (_pipeline is null)
            {
                return;
            }

            var rules = Rules(camera);
            if (rules.Inputs != _inputs)
            {
                SetupLog.PipelineRestarted(_logger, "the events need other pixel analysis");
                _restart?.Cancel();
                return;
            }

            _analysis!.ReplaceMasks(camera);
            _pipeline.ReplaceRules(rules);
            SetupLog.DraftApplied(_logger, camera.CameraId, rules.RuleCount);
        }
    }

    /// <summary>Runs until <paramref name="ct"/> fires.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var factory = new OpenCvFrameSourceFactory(time, loggers.CreateLogger<OpenCvFrameSourceFactory>());
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var opened = factory.Open(source);
                view.Size = (opened.Width, opened.Height);
                view.Status = null;
                await RunOnceAsync(opened, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is FrameSourceException or ModelException or InvalidOperationException or OpenCvSharp.OpenCVException)
            {
                var shown = FrameSourceSpec.Redact(ex.Message);
                view.Status = shown;
                SetupLog.SourceFailed(_logger, FrameSourceSpec.Redact(source), RetryDelay, shown);
                await Task.Delay(RetryDelay, time, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task RunOnceAsync(IFrameSource opened, CancellationToken ct)
    {
        CameraConfig camera;
        RuleEngine rules;
        lock (_lock)
        {
            camera = _camera;
            rules = Rules(camera);
        }

        var pose = (rules.Inputs & RuleInputs.Pose) != 0 ? poseModel() : null;
        using var detector = model.CreateDetector();
        using var analysis = FrameAnalysis.Create(camera, rules, model.Manifest, pose, annotator: view.CreateAnnotator());
        using var restart = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pipeline = new CameraPipeline(
            camera.CameraId,
            opened,
            detector,
            new ByteTracker(new TrackerOptions()),
            rules,
            NoSink.Instance,
            new PipelineOptions { Replay = false, PaceFiles = true, ScoreThreshold = model.ScoreThreshold, MaxFrameAge = TimeSpan.FromSeconds(1) },
            new PipelineStats(camera.CameraId, time),
            time,
            loggers.CreateLogger<CameraPipeline>())
        {
            Analysis = analysis,
        };
        lock (_lock)
        {
            (_pipeline, _analysis, _inputs, _restart) = (pipeline, analysis, rules.Inputs, restart);
            if (!ReferenceEquals(_camera, camera))
            {
                // An edit arrived while the pipeline was being built.
                analysis.ReplaceMasks(_camera);
                pipeline.ReplaceRules(Rules(_camera));
            }
        }

        try
        {
            await pipeline.RunAsync(restart.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Restart asked by an edit.
        }
        finally
        {
            lock (_lock)
            {
                (_pipeline, _analysis, _restart) = (null, null, null);
            }
        }
    }

    private RuleEngine Rules(CameraConfig camera) => new(camera, model.Manifest, deviceId);

    // The set-up page shows alerts; it never publishes them.
    private sealed class NoSink : IPipelineSink
    {
        public static readonly NoSink Instance = new();

        public void OnFrame(in FrameResult frame)
        {
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
        }
    }
}
