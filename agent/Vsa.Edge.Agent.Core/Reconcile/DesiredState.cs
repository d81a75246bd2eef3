using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Reconcile;

/// <summary>
/// What the device should run, whoever asked for it (the fleet's signed desired configuration, kept or received, or the
/// local camera files): the cameras, the authorisation windows that gate their events, and next to them the model the
/// fleet wants. Already verified and checked whole: the planner only diffs it. The kill switch (suspension states) is not
/// part of it: it has its own loop, never behind a configuration (see docs/architecture.md, reconcile).
/// </summary>
/// <param name="Source">Who decided it (reported as is).</param>
/// <param name="Version">The fleet's version; null for the local files.</param>
/// <param name="Cameras">The cameras to run, in order, file sources resolved to absolute paths.</param>
/// <param name="Documents">The same cameras as configured (sources as written): what the device reports.</param>
/// <param name="Gate">The authorisation windows every camera's events are gated by.</param>
public sealed record DesiredState(
    ConfigSource Source,
    long? Version,
    IReadOnlyList<CameraConfig> Cameras,
    IReadOnlyList<CameraConfig> Documents,
    AuthorisationGate Gate)
{
    /// <summary>The models and model-signing keys the fleet asks for; null: nothing asked (the local files never ask).</summary>
    public ModelDesire? Models { get; init; }
}

/// <summary>The model part of a desired state, as the fleet wrote it in the desired configuration.</summary>
/// <param name="Models">The models (null: no change asked).</param>
/// <param name="SigningKeys">The model-signing keys (null: none sent).</param>
public sealed record ModelDesire(IReadOnlyList<DesiredModel>? Models, IReadOnlyList<string>? SigningKeys);

/// <summary>What runs now, as the planner compares it with a desired state.</summary>
/// <param name="Cameras">The cameras running now (sources resolved).</param>
public sealed record CurrentState(IReadOnlyList<CameraConfig> Cameras);
