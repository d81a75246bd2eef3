using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;

namespace Vsa.Edge.Agent.Models;

/// <summary>Model updates in the <c>run</c> host (sections <c>Models:Soak</c> and <c>Models:Download</c>).</summary>
public static class ModelUpdateHostingExtensions
{
    /// <summary>
    /// The slots (<c>{Agent:DataDirectory}/models</c>), the detector the agent starts with — the slot <c>state.json</c>
    /// names (a start during a soak counts towards the crash-loop rollback), else the installed model —, the switchboard
    /// the camera pipelines take their detector from, and the service that applies desired models. Call after
    /// <c>AddInference</c> (it replaces its detector registration).
    /// </summary>
    public static IHostApplicationBuilder AddModelUpdates(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SoakOptions>().Bind(builder.Configuration.GetSection("Models:Soak")).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ModelDownloadOptions>().Bind(builder.Configuration.GetSection(ModelDownloadOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelDownloadOptions>, ModelDownloadOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PipelineStatsRegistry>();
        services.TryAddSingleton(sp => new ModelSlotStore(
            Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataPath, "models"),
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value.ModelDirectory));
        services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var store = sp.GetRequiredService<ModelSlotStore>();
            var (directory, _) = store.ResolveForStart(sp.GetRequiredService<IOptions<SoakOptions>>().Value.MaxStartsDuringSoak, sp.GetRequiredService<TimeProvider>().GetUtcNow());
            return DetectorModel.Load(sp.GetRequiredService<IOptions<InferenceOptions>>().Value with { ModelDirectory = directory }, sp.GetRequiredService<ILoggerFactory>().CreateLogger<DetectorModel>());
        }));
        services.TryAddSingleton(sp => new ModelSwitchboard(
            sp.GetRequiredService<DetectorModel>(),
            sp.GetRequiredService<ModelSlotStore>(),
            sp.GetRequiredService<IOptions<SoakOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ModelSwitchboard>>()));
        services.TryAddSingleton(sp => new ModelDownloadIdentity(DeviceCredentials.Load(sp.GetService<IOptions<MqttOptions>>()?.Value ?? new MqttOptions())));
        services.TryAddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var mqtt = sp.GetService<IOptions<MqttOptions>>()?.Value ?? new MqttOptions();
            var identity = sp.GetRequiredService<ModelDownloadIdentity>();
            var time = sp.GetRequiredService<TimeProvider>();
            var downloader = identity.Http is { } http
                ? new ModelDownloader(http, sp.GetRequiredService<IOptions<ModelDownloadOptions>>().Value, time, sp.GetRequiredService<ILogger<ModelDownloader>>())
                : null;
            var models = Path.Combine(agent.DataPath, "models");
            var setup = new ModelUpdateSetup(
                agent.DeviceId,
                ModelCommand.AgentVersion,
                sp.GetRequiredService<IOptions<InferenceOptions>>().Value,
                sp.GetRequiredService<IOptions<SoakOptions>>().Value,
                Path.Combine(models, "downloads"),
                sp.GetRequiredService<PipelineStatsRegistry>(),
                () => sp.GetRequiredService<CameraRunner>().PipelineStarts,
                sp.GetRequiredService<ModelSlotReports>());
            return new ModelUpdateService(
                setup,
                sp.GetRequiredService<ModelSlotStore>(),
                sp.GetRequiredService<ModelSwitchboard>(),
                new ModelSigningKeyStore(KeyFile(mqtt, models)),
                downloader,
                sp.GetService<IModelReportSink>(),
                time,
                sp.GetRequiredService<ILogger<ModelUpdateService>>())
            {
                Next = sp.GetRequiredService<PoseModelUpdates>().Service,
            };
        });
        services.AddHostedService(sp => sp.GetRequiredService<ModelUpdateService>());
        PoseModelUpdates.Register(services); // pose models follow the same path (docs/models.md, "Pose models")
        return builder;
    }

    /// <summary>Where the trusted model-signing keys are kept: beside the device credentials (enrolment writes them there), else in the models folder.</summary>
    public static string KeyFile(MqttOptions mqtt, string modelsFolder)
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        return mqtt.UsesTls && Path.GetDirectoryName(Path.GetFullPath(mqtt.CredentialFiles.Ca)) is { } credentials
            ? Path.Combine(credentials, ModelSigningKeyStore.FileName)
            : Path.Combine(modelsFolder, ModelSigningKeyStore.FileName);
    }
}

/// <summary>The device certificate and the HTTPS client that presents it for model downloads; none without TLS credentials.</summary>
public sealed class ModelDownloadIdentity(DeviceCredentials? credentials) : IDisposable
{
    /// <summary>The client; null when the device has no credentials (no package can then be fetched).</summary>
    public HttpClient? Http { get; } = credentials is null ? null : ModelDownloadClient.Create(credentials);

    /// <inheritdoc />
    public void Dispose()
    {
        Http?.Dispose();
        credentials?.Dispose();
    }
}
