using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>One registration method per feature of the <c>run</c> host.</summary>
public static class AgentHostingExtensions
{
    /// <summary>Capture, inference, MQTT and the camera pipelines, with every option validated at start.</summary>
    public static IHostApplicationBuilder AddAgent(this IHostApplicationBuilder builder, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddCapture();
        builder.AddInference();
        builder.AddMqtt();
        builder.AddCameras(configDirectory);
        return builder;
    }

    /// <summary>Video capture.</summary>
    public static IHostApplicationBuilder AddCapture(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCapture();
        return builder;
    }

    /// <summary>The detector, from the <c>Inference</c> section.</summary>
    public static IHostApplicationBuilder AddInference(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddInference(builder.Configuration.GetSection(InferenceOptions.SectionName));
        return builder;
    }

    /// <summary>The MQTT publisher and heartbeats, from the <c>Mqtt</c> section; stopped after the cameras so their final alerts go out.</summary>
    public static IHostApplicationBuilder AddMqtt(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<MqttOptions>()
            .Bind(builder.Configuration.GetSection(MqttOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PipelineStatsRegistry>();
        services.TryAddSingleton<IHealthSource>(sp =>
        {
            var model = sp.GetRequiredService<DetectorModel>();
            return new HealthReporter(
                sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId,
                sp.GetRequiredService<PipelineStatsRegistry>(),
                new ModelRef(model.Manifest.Id, model.Manifest.Version),
                () => model.ExecutionProvider,
                sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(sp => new MqttPublisher(
            sp.GetRequiredService<IOptions<MqttOptions>>().Value,
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MqttPublisher>>(),
            sp.GetRequiredService<IHealthSource>()));
        services.TryAddSingleton<IAlertPublisher>(sp => sp.GetRequiredService<MqttPublisher>());
        services.AddHostedService<MqttPublisherService>();
        return builder;
    }

    /// <summary>The cameras (section <c>Agent</c>), each file loaded and checked at start, and the worker that runs them.</summary>
    public static IHostApplicationBuilder AddCameras(this IHostApplicationBuilder builder, string configDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AgentOptions>()
            .Bind(builder.Configuration.GetSection(AgentOptions.SectionName))
            .PostConfigure(o => o.BaseDirectory = configDirectory)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());
        builder.Services.TryAddSingleton<PipelineStatsRegistry>();
        builder.Services.AddHostedService<AgentWorker>();
        return builder;
    }

    // Starts the publisher with the host; stops it cleanly (drain, offline status, disconnect).
    private sealed class MqttPublisherService(MqttPublisher publisher) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => publisher.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => publisher.StopAsync(cancellationToken);
    }
}
