using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>
/// Runs plans without a restart: the authorisation gate (<see cref="AuthorisationScheduler"/>), the camera changes
/// (<see cref="CameraRunner"/>: stop, restart on a new source, start, update in place) and the model part (<see cref="Models.ModelUpdateService"/>, which downloads,
/// validates and switches on its own loop: this returns at once).
/// </summary>
public sealed class PlanRunner(CameraRunner cameras, AuthorisationScheduler authorisations) : IPlanRunner
{
    /// <summary>Where the model part of a plan goes; null: no model updates on this device.</summary>
    public Models.ModelUpdateService? ModelUpdates { get; init; }

    /// <inheritdoc />
    public CurrentState Current => new(cameras.Running);

    /// <inheritdoc />
    public async Task RunAsync(ReconcilePlan plan, CancellationToken agentStopping)
    {
        ArgumentNullException.ThrowIfNull(plan);
        authorisations.Enforce(plan.Gate);
        foreach (var change in plan.Cameras)
        {
            switch (change.Kind)
            {
                case CameraChangeKind.Stop:
                    await cameras.StopAsync(change.CameraId).ConfigureAwait(false);
                    break;
                case CameraChangeKind.Restart:
                    await cameras.StopAsync(change.CameraId).ConfigureAwait(false);
                    cameras.Start(change.Next!, agentStopping);
                    break;
                case CameraChangeKind.Start:
                    cameras.Start(change.Next!, agentStopping);
                    break;
                case CameraChangeKind.Update:
                    cameras.Update(change.Next!);
                    break;
                default:
                    break;
            }
        }

        if (plan.Models is { } models)
        {
            ModelUpdates?.Desire(models.Models, models.SigningKeys);
        }
    }
}
