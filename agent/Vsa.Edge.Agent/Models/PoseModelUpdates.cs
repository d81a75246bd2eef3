using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Pose;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// Pose model updates in the running agent: the pose slots (<c>{data}/models/pose</c>), the <see cref="PoseSwitchboard"/>
/// the cameras' pose passes follow, and a second <see cref="ModelUpdateService"/> of kind <c>pose</c> (the detector's
/// service hands it each desired state, <see cref="ModelUpdateService.Next"/>). Both are absent when no pose model is
/// installed (no manifest in <c>Pose:ModelDirectory</c> nor in a slot): nothing then loads or updates one.
/// </summary>
/// <param name="service">The pose updates; null when this device has no pose model.</param>
/// <param name="switchboard">The pose switchboard; null when this device has no pose model.</param>
public sealed class PoseModelUpdates(ModelUpdateService? service, PoseSwitchboard? switchboard) : IHostedService, IDisposable
{
    /// <summary>The pose updates, or null.</summary>
    public ModelUpdateService? Service => service;

    /// <summary>The pose switchboard, or null.</summary>
    public PoseSwitchboard? Switchboard => switchboard;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => service?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => service?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose()
    {
        service?.Dispose();
        switchboard?.Dispose();
    }

    /// <summary>
    /// Registers the pose updates, the shared model report and a <see cref="PoseModelProvider"/> that hands cameras the
    /// switchboard's model (before <c>AddPose</c>, whose own registration then yields).
    /// </summary>
    internal static void Register(IServiceCollection services)
    {
        services.TryAddSingleton<ModelSlotReports>();
        services.TryAddSingleton(Create);
        services.AddHostedService(sp => sp.GetRequiredService<PoseModelUpdates>());
        services.TryAddSingleton(sp =>
        {
            var switchboard = sp.GetRequiredService<PoseModelUpdates>().Switchboard;
            return new PoseModelProvider(sp.GetRequiredService<IOptions<PoseOptions>>(), sp.GetRequiredService<IOptions<InferenceOptions>>(), sp.GetRequiredService<ILogger<PoseModel>>())
            {
                Source = switchboard is null ? null : () => switchboard.Current,
            };
        });
    }

    private static PoseModelUpdates Create(IServiceProvider sp)
    {
        var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
        var pose = sp.GetRequiredService<IOptions<PoseOptions>>().Value;
        var inference = sp.GetRequiredService<IOptions<InferenceOptions>>().Value;
        var soak = sp.GetRequiredService<IOptions<SoakOptions>>().Value;
        var time = sp.GetRequiredService<TimeProvider>();
        var models = Path.Combine(agent.DataPath, "models");
        var store = new ModelSlotStore(Path.Combine(models, "pose"), pose.ModelDirectory);
        var (directory, _) = store.ResolveForStart(soak.MaxStartsDuringSoak, time.GetUtcNow());
        if (!File.Exists(Path.Combine(directory, "manifest.json")))
        {
            return new PoseModelUpdates(null, null);
        }

        var switchboard = new PoseSwitchboard(directory, pose, inference.ExecutionProviders, store, soak, time, sp.GetRequiredService<ILogger<PoseSwitchboard>>());
        var http = sp.GetRequiredService<ModelDownloadIdentity>().Http;
        var downloader = http is null ? null : new ModelDownloader(http, sp.GetRequiredService<IOptions<ModelDownloadOptions>>().Value, time, sp.GetRequiredService<ILogger<ModelDownloader>>());
        var setup = new ModelUpdateSetup(
            agent.DeviceId,
            ModelCommand.AgentVersion,
            inference,
            soak,
            Path.Combine(models, "downloads"),
            sp.GetRequiredService<PipelineStatsRegistry>(),
            () => sp.GetRequiredService<CameraRunner>().PipelineStarts,
            sp.GetRequiredService<ModelSlotReports>(),
            pose);
        var service = new ModelUpdateService(
            setup,
            store,
            switchboard,
            new ModelSigningKeyStore(ModelUpdateHostingExtensions.KeyFile(sp.GetService<IOptions<MqttOptions>>()?.Value ?? new MqttOptions(), models)),
            downloader,
            sp.GetService<IModelReportSink>(),
            time,
            sp.GetRequiredService<ILogger<ModelUpdateService>>());
        return new PoseModelUpdates(service, switchboard);
    }
}
