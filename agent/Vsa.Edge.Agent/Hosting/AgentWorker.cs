using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Configuration;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// Runs one pipeline per configured camera until the host stops; a stop ends every open alert (the pipelines flush
/// their rules into the outbox) before the MQTT service, stopped after this one, drains and publishes offline.
/// Each camera file is watched: a valid change swaps that camera's rules in place (<see cref="CameraReloader"/>).
/// </summary>
public sealed class AgentWorker(
    IOptions<AgentOptions> options,
    DetectorModel model,
    PoseModelProvider poseModels,
    CameraSupervisor supervisor,
    IAlertPublisher publisher,
    PipelineStatsRegistry registry,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<AgentWorker>();

    /// <summary>Raised after every reload attempt of a camera file (valid, rejected or unchanged).</summary>
    public event EventHandler<CameraReloadOutcome>? CameraReloaded;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cameras = options.Value.CameraPaths.Select(path => (Path: path, Config: CameraConfigLoader.Load(path))).ToList();
        return Task.WhenAll(cameras.Select(c => RunCameraAsync(c.Path, c.Config, stoppingToken)));
    }

    // Reconnection, stall detection and restart after a failure are the supervisor's (Capture/CameraSupervisor.cs);
    // each camera has its own supervisor loop, so one failing camera never disturbs the others.
    private async Task RunCameraAsync(string path, CameraConfig camera, CancellationToken ct)
    {
        var stats = new PipelineStats(camera.CameraId, time);
        registry.Register(stats);
        var running = new RunningCamera(camera);
        using var reloader = new CameraReloader(
            path,
            camera,
            BuildRules,
            running.Apply,
            options.Value.ReloadDebounce,
            time,
            loggers.CreateLogger<CameraReloader>());
        reloader.Reloaded += (_, outcome) => CameraReloaded?.Invoke(this, outcome);
        var source = WithSourceResolved(camera, path).Source;
        await supervisor.RunAsync(camera.CameraId, source, (opened, token) => RunPipelineAsync(running, opened, stats, token), ct).ConfigureAwait(false);
        if (!ct.IsCancellationRequested)
        {
            // Only a file ends; a live camera runs until the agent stops. A finished camera is not a stuck one.
            stats.Completed = true;
            HostingLog.CameraCompleted(_logger, camera.CameraId, source);
        }
    }

    private async Task RunPipelineAsync(RunningCamera camera, IFrameSource source, PipelineStats stats, CancellationToken ct)
    {
        using var detector = model.CreateDetector();
        var config = camera.Config;
        var rules = BuildRules(config);

        // Privacy masks are blanked on every frame before the detector sees it; pose and fire run only when enabled.
        using var analysis = FrameAnalysis.Create(config, rules, model.Manifest, poseModels.For(rules));
        var pipeline = new CameraPipeline(
            config.CameraId,
            source,
            detector,
            new ByteTracker(new TrackerOptions()),
            rules,
            new PublishingSink(publisher),
            new PipelineOptions { Replay = false, PaceFiles = true, ScoreThreshold = model.ScoreThreshold, MaxFrameAge = supervisor.MaxFrameAge },
            stats,
            time,
            loggers.CreateLogger<CameraPipeline>())
        {
            Analysis = analysis,
        };
        camera.Pipeline = pipeline;
        PipelineLog.Started(_logger, config.CameraId, "live", 1);
        try
        {
            await pipeline.RunAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            camera.Pipeline = null;
        }
    }

    private RuleEngine BuildRules(CameraConfig camera) => new(camera, model.Manifest, options.Value.DeviceId);

    // A relative file source is relative to its camera file, not to wherever the agent was started.
    private static CameraConfig WithSourceResolved(CameraConfig camera, string cameraPath)
    {
        var spec = FrameSourceSpec.Parse(camera.Source);
        return spec.Kind == FrameSourceKind.File && !Path.IsPathRooted(spec.Source)
            ? camera with { Source = Path.GetFullPath(spec.Source, Path.GetDirectoryName(cameraPath)!) }
            : camera;
    }

    // The configuration a camera runs now, and its pipeline while one runs (the supervisor may restart it).
    private sealed class RunningCamera(CameraConfig config)
    {
        private volatile CameraConfig _config = config;
        private volatile CameraPipeline? _pipeline;

        public CameraConfig Config => _config;

        public CameraPipeline? Pipeline
        {
            get => _pipeline;
            set => _pipeline = value;
        }

        // A later pipeline (restart after a failure) builds its rules from the new configuration; the running one swaps now.
        public void Apply(CameraConfig next, RuleEngine rules)
        {
            _config = next;
            _pipeline?.Analysis?.ReplaceMasks(next);
            _pipeline?.ReplaceRules(rules);
        }
    }

    private sealed class PublishingSink(IAlertPublisher publisher) : IPipelineSink
    {
        public void OnFrame(in FrameResult frame)
        {
            // Run mode publishes alerts only: per-frame detections stay on the device.
        }

        // One outbox transaction per frame; the outbox serialises the alerts at once (the list is reused by the pipeline).
        public void OnAlerts(IReadOnlyList<AlertMessage> alerts) => publisher.Enqueue(alerts);
    }
}
