using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>Composes the reconcile loop of the <c>run</c> host: its source, check, planner, runner and reporter around the cameras.</summary>
public static class AgentReconcile
{
    /// <summary>
    /// The worker and its roles. They log under the worker's category (the configuration log, <see cref="ConfigLog"/>):
    /// one place to read what the device was asked and what it did.
    /// </summary>
    public static AgentWorker CreateWorker(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var agent = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var model = services.GetRequiredService<DetectorModel>();
        var cameras = services.GetRequiredService<CameraRunner>();
        var authorisations = services.GetRequiredService<AuthorisationScheduler>();
        var time = services.GetRequiredService<TimeProvider>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        var logger = loggers.CreateLogger<AgentWorker>();
        var source = new DesiredConfigSource(
            agent,
            model,
            services.GetRequiredService<DesiredConfigStore>(),
            services.GetRequiredService<DesiredConfigInbox>(),
            services.GetRequiredService<DesiredConfigVerifier>(),
            time,
            loggers,
            logger);
        var runner = new PlanRunner(cameras, authorisations) { ModelUpdates = services.GetService<Models.ModelUpdateService>() };
        var reporter = new ConfigReporter(agent.DeviceId, authorisations, services.GetService<IConfigReportSink>(), time, logger);
        return new AgentWorker(cameras, source, new DesiredConfigCheck(agent.DeviceId, () => model.Manifest, logger), new ReconcilePlanner(), runner, reporter, logger);
    }
}
