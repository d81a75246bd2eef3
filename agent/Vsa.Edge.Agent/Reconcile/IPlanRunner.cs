using Vsa.Edge.Agent.Core.Reconcile;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>Runs a reconcile plan on the device, in the plan's order.</summary>
public interface IPlanRunner
{
    /// <summary>What runs now.</summary>
    CurrentState Current { get; }

    /// <summary>Runs <paramref name="plan"/>; cameras started now run until stopped or <paramref name="agentStopping"/>.</summary>
    Task RunAsync(ReconcilePlan plan, CancellationToken agentStopping);
}
