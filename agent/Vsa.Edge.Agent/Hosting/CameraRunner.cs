using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// The cameras running now, one supervised pipeline each, that a configuration change starts, stops or updates in
/// place: <see cref="Update"/> swaps rules and masks in the running pipeline (capture and inference go on),
/// <see cref="StopAsync"/> ends the camera's open alerts. Every rule engine enforces the camera's authorisation windows
/// (<see cref="AuthorisationScheduler"/>). Started, stopped and updated by one flow at a time (the worker).
/// </summary>
public sealed class CameraRunner(
    CameraPipelineFactory pipelines,
    PoseModelProvider poseModels,
    CameraSupervisor supervisor,
    IAlertSink alerts,
    PipelineStatsRegistry registry,
    AuthorisationScheduler authorisations,
    TimeProvider time,
    ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<CameraRunner>();
    private readonly DetectorModel _model = pipelines.Model;
    private readonly ConcurrentDictionary<string, Entry> _cameras = new(StringComparer.Ordinal);
    private int _pipelineStarts;

    /// <summary>The kill switch every pipeline reads before each model run; null: never suspended.</summary>
    public Suspension.ICameraSuspension? Suspension { get; init; }

    /// <summary>Where pipelines take their detector when model updates run (switched between two frames); null: the fixed model.</summary>
    public Models.ModelSwitchboard? Switchboard { get; init; }

    /// <summary>Where pose passes take their pose model when pose models are updated (switched between two frames); null: the fixed model.</summary>
    public Models.PoseSwitchboard? PoseSwitchboard { get; init; }

    /// <summary>The bound <c>Analysis</c> settings (tracker, rules, fire, static regions, pipeline); the defaults when none are bound.</summary>
    public AnalysisSettings Settings => pipelines.Settings;

    /// <summary>Pipelines started so far (a supervisor restart or a new camera adds one; a live update does not).</summary>
    public int PipelineStarts => Volatile.Read(ref _pipelineStarts);

    /// <summary>The configurations running now (file sources made absolute), by camera id.</summary>
    public IReadOnlyList<CameraConfig> Running => [.. _cameras.Values.Select(e => e.Camera.Config)];

    /// <summary>The rules of <paramref name="camera"/> against the model, enforcing its authorisation windows; throws <see cref="CameraConfigException"/>.</summary>
    public RuleEngine BuildRules(CameraConfig camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return pipelines.BuildRules(camera, authorisations.For(camera.CameraId));
    }

    /// <summary>Starts a camera (its source already resolved) under the supervisor; it runs until stopped or the agent stops.</summary>
    public void Start(CameraConfig camera, CancellationToken agentStopping)
    {
        ArgumentNullException.ThrowIfNull(camera);
        var stats = new PipelineStats(camera.CameraId, time);
        registry.Register(stats);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(agentStopping);
        var running = new RunningCamera(camera);
        var task = RunCameraAsync(running, stats, stop.Token);
        _cameras[camera.CameraId] = new Entry(running, stop, task);
    }

    /// <summary>Applies a changed configuration with the same source to the running pipeline; throws <see cref="CameraConfigException"/>.</summary>
    public void Update(CameraConfig camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        _cameras[camera.CameraId].Camera.Apply(camera, BuildRules(camera));
    }

    /// <summary>Applies a file reload (rules already built) to the running pipeline.</summary>
    public void Apply(CameraConfig camera, RuleEngine rules)
    {
        ArgumentNullException.ThrowIfNull(camera);
        if (_cameras.TryGetValue(camera.CameraId, out var entry))
        {
            entry.Camera.Apply(camera, rules);
        }
    }

    /// <summary>Stops a camera and waits until its pipeline ended its open alerts.</summary>
    public async Task StopAsync(string cameraId)
    {
        if (!_cameras.TryRemove(cameraId, out var entry))
        {
            return;
        }

        await entry.Stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await entry.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The stop we asked for.
        }
        finally
        {
            entry.Stop.Dispose();
            registry.Unregister(cameraId);
        }
    }

    /// <summary>Waits for every camera (they end when the agent stops, a file camera also when its file ends).</summary>
    public Task WhenAllEnded() => Task.WhenAll(_cameras.Values.Select(e => e.Task));

    // Reconnection, stall detection and restart after a failure are the supervisor's (Capture/CameraSupervisor.cs);
    // each camera has its own supervisor loop, so one failing camera never disturbs the others.
    private async Task RunCameraAsync(RunningCamera camera, PipelineStats stats, CancellationToken ct)
    {
        await Task.Yield();
        var source = camera.Config.Source;
        await supervisor.RunAsync(camera.Config.CameraId, source, (opened, token) => RunPipelineAsync(camera, opened, stats, token), ct).ConfigureAwait(false);
        if (!ct.IsCancellationRequested)
        {
            // Only a file ends; a live camera runs until the agent stops. A finished camera is not a stuck one.
            stats.Completed = true;
            var shown = FrameSourceSpec.Redact(source);
            HostingLog.CameraCompleted(_logger, camera.Config.CameraId, shown);
        }
    }

    private async Task RunPipelineAsync(RunningCamera camera, IFrameSource source, PipelineStats stats, CancellationToken ct)
    {
        // With model updates the switchboard owns the detector and may swap it while the pipeline runs.
        using var owned = Switchboard is null ? _model.CreateDetector() : null;
        var detector = owned ?? Switchboard!.Attach();
        var config = camera.Config;
        var rules = BuildRules(config);

        // Privacy masks are blanked on every frame before the detector sees it; pose and fire run only when enabled.
        using var analysis = pipelines.BuildAnalysis(config, rules, poseModels.For(rules));
        var pipeline = pipelines.Create(config.CameraId, source, detector, rules, new PublishingSink(alerts), pipelines.Live(supervisor.MaxFrameAge), stats, analysis, Suspension);
        camera.Attach(pipeline, config, BuildRules);
        Switchboard?.Register(pipeline);
        PoseSwitchboard?.Register(analysis);
        Interlocked.Increment(ref _pipelineStarts);
        PipelineLog.Started(_logger, config.CameraId, "live", Settings.Pipeline.Every);
        try
        {
            await pipeline.RunAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            camera.Detach();
            Switchboard?.Detach(pipeline);
            PoseSwitchboard?.Detach(analysis);
        }
    }

    private sealed record Entry(RunningCamera Camera, CancellationTokenSource Stop, Task Task);

    // The configuration a camera runs now, and its pipeline while one runs (the supervisor may restart it).
    private sealed class RunningCamera(CameraConfig config)
    {
        private readonly Lock _lock = new();
        private volatile CameraConfig _config = config;
        private CameraPipeline? _pipeline;

        public CameraConfig Config => _config;

        // A later pipeline (restart after a failure) builds its rules from the new configuration; the running one swaps now.
        public void Apply(CameraConfig next, RuleEngine rules)
        {
            lock (_lock)
            {
                _config = next;
                _pipeline?.Analysis?.ReplaceMasks(next);
                _pipeline?.ReplaceRules(rules);
            }
        }

        // A change applied while the pipeline was being built (a retained desired configuration arriving at start)
        // found no pipeline to swap: the new pipeline takes it now, so no update is lost.
        public void Attach(CameraPipeline pipeline, CameraConfig builtFrom, Func<CameraConfig, RuleEngine> buildRules)
        {
            lock (_lock)
            {
                _pipeline = pipeline;
                if (!ReferenceEquals(_config, builtFrom))
                {
                    pipeline.Analysis?.ReplaceMasks(_config);
                    pipeline.ReplaceRules(buildRules(_config));
                }
            }
        }

        public void Detach()
        {
            lock (_lock)
            {
                _pipeline = null;
            }
        }
    }

    private sealed class PublishingSink(IAlertSink alerts) : IPipelineSink
    {
        public void OnFrame(in FrameResult frame)
        {
            // Run mode publishes alerts only: per-frame detections stay on the device.
        }

        // One outbox transaction per frame; the outbox serialises the alerts at once (the list is reused by the pipeline).
        public void OnAlerts(IReadOnlyList<AlertMessage> frameAlerts) => alerts.Enqueue(frameAlerts);
    }
}
