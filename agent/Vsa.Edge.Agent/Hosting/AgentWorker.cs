using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Reconcile;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// The reconcile loop, as iotedge's edge agent: receive a desired state (<see cref="IConfigSource"/>) → check it
/// (<see cref="DesiredConfigCheck"/>) → plan (<see cref="IPlanner"/>: what changes from what runs) → run the plan
/// (<see cref="IPlanRunner"/>) → report (<see cref="IReporter"/>). At start it runs what the source decided (the last fleet
/// configuration kept on disk, else the local camera files, each watched: a valid edit swaps that camera's rules in place,
/// <see cref="CameraReloader"/>). A desired configuration that does not hold is refused with its errors while the previous
/// one keeps running. A stop ends every open alert (the pipelines flush their rules into the outbox) before the MQTT
/// service, stopped after this one, drains and publishes offline.
/// </summary>
public sealed class AgentWorker(
    CameraRunner cameras,
    IConfigSource source,
    DesiredConfigCheck check,
    IPlanner planner,
    IPlanRunner runner,
    IReporter reporter,
    ILogger<AgentWorker> logger) : BackgroundService, IHostedLifecycleService
{
    /// <summary>The refusal when local cameras would run with no authorisation window outside development mode.</summary>
    public const string NoWindowsError = "no authorisation windows for the local cameras: add Agent:Authorisations (the arrêtés) or set Agent:DevelopmentMode=true for a test bench";

    /// <summary>Raised after every reload attempt of a camera file (valid, rejected or unchanged).</summary>
    public event EventHandler<CameraReloadOutcome>? CameraReloaded;

    /// <summary>Raised after every report (at start, after each desired configuration, after a camera file reload).</summary>
    public event EventHandler<ReportedConfigMessage>? ConfigReported
    {
        add => reporter.Reported += value;
        remove => reporter.Reported -= value;
    }

    /// <summary>The running cameras.</summary>
    public CameraRunner Cameras => cameras;

    /// <summary>The last report.</summary>
    public ReportedConfigMessage? LastReport => reporter.LastReport;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await StartInitialAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await foreach (var received in source.ReceiveAsync(stoppingToken).ConfigureAwait(false))
            {
                await ReconcileAsync(received, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent stops: the cameras below end their alerts.
        }
        finally
        {
            source.StopWatchingFiles();
            await cameras.WhenAllEnded().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Decides what runs before any hosted service starts (the MQTT connection included): a fleet configuration kept on
    /// disk, else the local camera files, refused (fail closed) when they have no authorisation window outside
    /// <see cref="AgentOptions.DevelopmentMode"/>.
    /// </summary>
    /// <exception cref="OptionsValidationException">Local cameras, no window, not in development mode.</exception>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        source.Decide();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Even offline: a kept fleet configuration carries the windows of the arrêtés, enforced by this device's clock.
    private async Task StartInitialAsync(CancellationToken ct)
    {
        var initial = source.Initial();
        await runner.RunAsync(planner.Plan(initial, runner.Current), ct).ConfigureAwait(false);
        if (initial.Source == ConfigSource.Local)
        {
            source.WatchLocalFiles(cameras.BuildRules, OnFileReloaded, outcome => CameraReloaded?.Invoke(this, outcome));
        }

        source.LogRunning(initial);
        reporter.Applied(initial.Source, initial.Version, initial.Documents);
    }

    private async Task ReconcileAsync(ReceivedConfig received, CancellationToken ct)
    {
        var outcome = check.Check(received, reporter.State);
        switch (outcome.Verdict)
        {
            case CheckVerdict.Skip:
                return;
            case CheckVerdict.AppliedAgain:
                reporter.AppliedAgain();
                return;
            case CheckVerdict.Reject:
                reporter.Rejected(outcome.Version, outcome.Errors, received.Opened.Sha256);
                return;
            default:
                break;
        }

        // From now on the fleet decides: the local files are no longer watched.
        source.StopWatchingFiles();
        var desired = source.Fleet(outcome.Valid!);
        var plan = planner.Plan(desired, runner.Current);
        await runner.RunAsync(plan, ct).ConfigureAwait(false);
        source.Keep(received);
        var (started, updated, restarted, stopped, unchanged) = (plan.Count(CameraChangeKind.Start), plan.Count(CameraChangeKind.Update), plan.Count(CameraChangeKind.Restart), plan.Count(CameraChangeKind.Stop), plan.Count(CameraChangeKind.Unchanged));
        ConfigLog.Applied(logger, desired.Version!.Value, started, updated, restarted, stopped, unchanged);
        reporter.Applied(ConfigSource.Fleet, desired.Version, desired.Documents);
    }

    // A valid edit of a local camera file, while the files decide: applied in place (rules built by the reloader), reported.
    private void OnFileReloaded(CameraConfig document, CameraConfig resolved, Core.Rules.RuleEngine rules)
    {
        cameras.Apply(resolved, rules);
        reporter.CameraChanged(document);
    }
}
