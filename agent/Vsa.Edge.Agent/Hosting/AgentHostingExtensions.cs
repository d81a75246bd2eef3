using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Agent.Reconcile;
using Vsa.Edge.Agent.Suspension;
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
        Models.ModelUpdateHostingExtensions.AddModelUpdates(builder); // replaces the detector by the slot state.json names
        builder.AddAnalysisOptions();
        builder.Services.AddPose(builder.Configuration.GetSection("Pose"));
        builder.AddSuspension(); // before the publisher and the cameras: the kept state applies before any camera runs
        builder.AddMqtt();
        Renewal.RenewalHostingExtensions.AddCertificateRenewal(builder); // after AddMqtt: it renews over the publisher's connection
        Gpio.GpioHostingExtensions.AddGpio(builder); // after AddMqtt: it wraps the alert publisher (maintenance switch)
        builder.AddCameras(configDirectory);
        builder.AddServiceLifetime();
        Metrics.AgentMetricsExtensions.AddAgentMetrics(builder); // last: it reads the outbox, the publisher, the cameras and the renewer
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

    /// <summary>
    /// The durable alert outbox (section <c>Outbox</c>, file in <c>Agent:DataDirectory</c>), the MQTT publisher that drains
    /// it and the heartbeats (section <c>Mqtt</c>); stopped after the cameras so their final alerts go out.
    /// </summary>
    public static IHostApplicationBuilder AddMqtt(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<MqttOptions>()
            .Bind(builder.Configuration.GetSection(MqttOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>());
        services.AddOptions<OutboxOptions>()
            .Bind(builder.Configuration.GetSection(OutboxOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PipelineStatsRegistry>();
        services.TryAddSingleton<IHostFiles>(HostFiles.Instance);
        services.TryAddSingleton<IAlertOutbox>(sp =>
        {
            var outbox = new SqliteAlertOutbox(
                sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataPath,
                sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId,
                sp.GetRequiredService<IOptions<OutboxOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SqliteAlertOutbox>>());

            // Alerts a previous run left open (a crash, a kill, a power cut) are ended now, as interrupted, before any new one.
            outbox.EndInterruptedAlerts();
            return outbox;
        });
        services.TryAddSingleton<IHealthSource>(sp =>
        {
            var model = sp.GetRequiredService<DetectorModel>();
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return new HealthReporter(
                agent.DeviceId,
                sp.GetRequiredService<PipelineStatsRegistry>(),
                new ModelRef(model.Manifest.Id, model.Manifest.Version),
                () => model.ExecutionProvider,
                sp.GetRequiredService<TimeProvider>())
            {
                Outbox = sp.GetRequiredService<IAlertOutbox>(),
                Resources = new ResourceMonitor(sp.GetRequiredService<IHostFiles>(), agent.DataPath),
                Suspension = sp.GetService<SuspensionHandler>()?.Suspension,
            };
        });
        services.TryAddSingleton<DesiredConfigInbox>();
        services.TryAddSingleton(sp => new MqttPublisher(
            sp.GetRequiredService<IOptions<MqttOptions>>().Value,
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId,
            sp.GetRequiredService<IAlertOutbox>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MqttPublisher>>(),
            sp.GetRequiredService<IHealthSource>())
        {
            // The capture and GPIO side raise device events into the hub; this publisher is its only reader.
            DeviceEvents = sp.GetService<DeviceEventHub>()?.Pending,
            DesiredConfigs = sp.GetRequiredService<DesiredConfigInbox>(),
            Suspensions = sp.GetService<Suspension.SuspensionHandler>()?.Inbox,
            CertificateAnswers = sp.GetService<Renewal.CertificateAnswerInbox>()?.Writer,
            Proposals = new Proposals.ProposalFolder(
                sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataPath, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Proposals.ProposalFolder>>()),
            PendingInstallations = new Provisioning.PendingInstallationReports(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataPath),
        });
        services.TryAddSingleton<IConfigReportSink>(sp => sp.GetRequiredService<MqttPublisher>());
        services.TryAddSingleton<Models.IModelReportSink>(sp => sp.GetRequiredService<MqttPublisher>());

        // The pipelines store alerts in the outbox; the publisher only drains it.
        services.TryAddSingleton<IAlertSink>(sp => sp.GetRequiredService<IAlertOutbox>());
        services.AddHostedService<MqttPublisherService>();
        return builder;
    }

    /// <summary>
    /// systemd integration: <c>Type=notify</c> readiness and stopping notifications and journal-friendly logs when run by
    /// systemd (<c>AddSystemd</c> does nothing otherwise), the liveness-gated watchdog (section <c>Watchdog</c>) and a
    /// bounded graceful stop (<c>Agent:ShutdownTimeout</c>).
    /// </summary>
    public static IHostApplicationBuilder AddServiceLifetime(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSystemd();
        services.AddOptions<WatchdogOptions>()
            .Bind(builder.Configuration.GetSection(WatchdogOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<AgentOptions>>((host, agent) => host.ShutdownTimeout = agent.Value.ShutdownTimeout);
        services.TryAddSingleton<PipelineStatsRegistry>();
        services.AddHostedService(sp =>
        {
            var hub = sp.GetService<DeviceEventHub>();
            return new SystemdWatchdog(
                sp.GetService<ISystemdNotifier>() ?? new SystemdNotifier(),
                sp.GetRequiredService<PipelineStatsRegistry>(),
                sp.GetRequiredService<IOptions<WatchdogOptions>>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<SystemdWatchdog>>(),
                hub is null ? null : cameraId => IsReportedOffline(hub, cameraId));
        });
        return builder;
    }

    // The capture layer reports a camera's offline transition once and keeps reconnecting it: such a camera is waiting,
    // not stuck. Its last camera event in the hub's recent history tells which state it is in.
    private static bool IsReportedOffline(DeviceEventHub hub, string cameraId) =>
        hub.Recent.LastOrDefault(e => e.CameraId == cameraId && e.Kind is DeviceEventKind.CameraOffline or DeviceEventKind.CameraOnline)?.Kind == DeviceEventKind.CameraOffline;

    /// <summary>
    /// The cameras (section <c>Agent</c>), each file loaded and checked at start, the fleet configuration kept in the data
    /// folder, the authorisation windows, and the worker that runs them and applies desired configurations.
    /// </summary>
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
        builder.Services.TryAddSingleton<DesiredConfigInbox>();
        builder.Services.TryAddSingleton(sp => new DesiredConfigStore(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataPath));
        builder.Services.TryAddSingleton(sp => new DesiredConfigVerifier(
            TrustedSigningKeys.Load(sp.GetRequiredService<IOptions<AgentOptions>>().Value, sp.GetService<IOptions<MqttOptions>>()?.Value ?? new MqttOptions()),
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId));
        builder.Services.TryAddSingleton<AuthorisationScheduler>();
        builder.Services.TryAddSingleton(sp => new CameraPipelineFactory(
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId,
            sp.GetRequiredService<DetectorModel>(),
            sp.GetService<AnalysisSettings>() ?? AnalysisSettings.Defaults,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.TryAddSingleton(sp => new CameraRunner(
            sp.GetRequiredService<CameraPipelineFactory>(),
            sp.GetRequiredService<PoseModelProvider>(),
            sp.GetRequiredService<CameraSupervisor>(),
            sp.GetRequiredService<IAlertSink>(),
            sp.GetRequiredService<PipelineStatsRegistry>(),
            sp.GetRequiredService<AuthorisationScheduler>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>())
        {
            Suspension = sp.GetService<SuspensionHandler>()?.Suspension,
            Switchboard = sp.GetService<Models.ModelSwitchboard>(),
            PoseSwitchboard = sp.GetService<Models.PoseModelUpdates>()?.Switchboard,
        });
        builder.Services.TryAddSingleton(AgentReconcile.CreateWorker);
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AgentWorker>());
        return builder;
    }

    // Starts the publisher with the host; stops it cleanly (drain, offline status, disconnect).
    private sealed class MqttPublisherService(MqttPublisher publisher) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => publisher.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => publisher.StopAsync(cancellationToken);
    }
}
