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
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// Runs one pipeline per configured camera until the host stops; a stop ends every open alert (the pipelines flush
/// their rules) before the MQTT service, stopped after this one, drains the queue and publishes offline.
/// </summary>
public sealed class AgentWorker(
    IOptions<AgentOptions> options,
    DetectorModel model,
    IFrameSourceFactory sources,
    IAlertPublisher publisher,
    PipelineStatsRegistry registry,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<AgentWorker>();

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cameras = options.Value.CameraPaths.Select(path => WithSourceResolved(CameraConfigLoader.Load(path), path)).ToList();
        return Task.WhenAll(cameras.Select(c => RunCameraAsync(c, stoppingToken)));
    }

    private async Task RunCameraAsync(CameraConfig camera, CancellationToken ct)
    {
        var source = await OpenWithRetryAsync(camera, ct).ConfigureAwait(false);
        if (source is null)
        {
            return;
        }

        var stats = new PipelineStats(camera.CameraId, time);
        registry.Register(stats);
        using (source)
        using (var detector = model.CreateDetector())
        {
            var pipeline = new CameraPipeline(
                camera.CameraId,
                source,
                detector,
                new ByteTracker(new TrackerOptions()),
                new RuleEngine(camera, model.Manifest, options.Value.DeviceId),
                new PublishingSink(publisher),
                new PipelineOptions { Replay = false, PaceFiles = true, ScoreThreshold = model.ScoreThreshold },
                stats,
                time,
                loggers.CreateLogger<CameraPipeline>(),
                () => sources.Open(camera.Source));
            PipelineLog.Started(_logger, camera.CameraId, "live", 1);
            try
            {
                await pipeline.RunAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Normal stop.
            }
            catch (Exception ex)
            {
                // One failing camera must not stop the others.
                PipelineLog.Failed(_logger, ex, camera.CameraId);
            }
        }
    }

    // A relative file source is relative to its camera file, not to wherever the agent was started.
    private static CameraConfig WithSourceResolved(CameraConfig camera, string cameraPath)
    {
        var spec = FrameSourceSpec.Parse(camera.Source);
        return spec.Kind == FrameSourceKind.File && !Path.IsPathRooted(spec.Source)
            ? camera with { Source = Path.GetFullPath(spec.Source, Path.GetDirectoryName(cameraPath)!) }
            : camera;
    }

    private async Task<IFrameSource?> OpenWithRetryAsync(CameraConfig camera, CancellationToken ct)
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                return sources.Open(camera.Source);
            }
            catch (FrameSourceException ex)
            {
                var delay = backoff.Next();
                PipelineLog.ReopenFailed(_logger, camera.CameraId, $"{ex.Message} (retrying in {delay})");
                try
                {
                    await Task.Delay(delay, time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private sealed class PublishingSink(IAlertPublisher publisher) : IPipelineSink
    {
        public void OnFrame(in FrameResult frame)
        {
            // Run mode publishes alerts only: per-frame detections stay on the device.
        }

        public void OnAlerts(IReadOnlyList<AlertMessage> alerts)
        {
            foreach (var alert in alerts)
            {
                publisher.Enqueue(alert);
            }
        }
    }
}
