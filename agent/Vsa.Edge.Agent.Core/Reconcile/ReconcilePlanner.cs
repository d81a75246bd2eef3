namespace Vsa.Edge.Agent.Core.Reconcile;

/// <summary>Decides what changes to go from what runs to a desired state; pure (no I/O), so tests drive it with plain data.</summary>
public interface IPlanner
{
    /// <summary>The plan from <paramref name="current"/> to <paramref name="desired"/>.</summary>
    ReconcilePlan Plan(DesiredState desired, CurrentState current);
}

/// <summary>
/// The agent's planner: cameras diffed by <see cref="ConfigPlanner"/> (added, removed, source changed, document
/// changed), and the model part handed on whenever the fleet
/// sends one (the model updater compares it with its slots and ignores what is already active).
/// </summary>
public sealed class ReconcilePlanner : IPlanner
{
    /// <inheritdoc />
    public ReconcilePlan Plan(DesiredState desired, CurrentState current)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(current);
        var cameras = ConfigPlanner.Plan(current.Cameras, desired.Cameras);
        return new ReconcilePlan(desired.Gate, cameras, desired.Models);
    }
}
