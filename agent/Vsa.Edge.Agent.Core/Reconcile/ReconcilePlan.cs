using Vsa.Edge.Agent.Core.Authorisation;

namespace Vsa.Edge.Agent.Core.Reconcile;

/// <summary>
/// An immutable plan from what runs to a desired state, run in this order: the authorisation gate first (so a camera
/// that starts is gated from its first frame), then the camera changes (stops first), then the model.
/// </summary>
/// <param name="Gate">The authorisation windows to enforce.</param>
/// <param name="Cameras">The camera changes, stops first, then the desired cameras in their order.</param>
/// <param name="Models">The models and keys to hand to the model updater, which reconciles its slots itself; null: none asked.</param>
public sealed record ReconcilePlan(
    AuthorisationGate Gate,
    IReadOnlyList<CameraChange> Cameras,
    ModelDesire? Models)
{
    /// <summary>How many camera changes of <paramref name="kind"/> the plan holds.</summary>
    public int Count(CameraChangeKind kind) => Cameras.Count(c => c.Kind == kind);
}
