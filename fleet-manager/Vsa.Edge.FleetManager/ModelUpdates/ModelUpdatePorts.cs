using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>
/// Gives one device a model to run, by publishing its next desired state (signed, like every desired state) with that
/// model in <see cref="DesiredConfigMessage.Models"/>. Used by an administrator's direct assignment and by rollouts.
/// </summary>
public interface IModelAssigner
{
    /// <summary>
    /// Checks, then publishes: refused (with the reason) when the device is unknown, the package is unknown, or the model
    /// lacks a category used by an enabled event on one of the device's cameras. <paramref name="packageSha256"/> null:
    /// back to the model the device was installed with (<see cref="DesiredModel.Version"/> <c>factory</c>).
    /// </summary>
    Task<ModelAssignment> AssignAsync(string deviceId, string? packageSha256, string? rolloutId, string actor, CancellationToken cancellationToken);

    /// <summary>The same checks as <see cref="AssignAsync"/>, publishing nothing (a rollout checks every target before it starts).</summary>
    Task<ModelAssignment> CheckAsync(string deviceId, string? packageSha256, CancellationToken cancellationToken);

    /// <summary>
    /// Back to the factory model of <paramref name="kind"/> (<c>detector</c> or <c>pose</c>), the other kind kept: what an
    /// aborted pose rollout gives back to a device that ran its installed pose model. An assigner that knows only the
    /// detector treats <c>detector</c> as <see cref="AssignAsync"/> with no package and refuses other kinds.
    /// </summary>
    Task<ModelAssignment> AssignFactoryAsync(string deviceId, string kind, string? rolloutId, string actor, CancellationToken cancellationToken) =>
        kind == "detector"
            ? AssignAsync(deviceId, null, rolloutId, actor, cancellationToken)
            : Task.FromResult(new ModelAssignment(false, $"no factory {kind} model through this assigner", null));
}

/// <summary>What became of an assignment.</summary>
/// <param name="Accepted">Whether it was (or would be) published.</param>
/// <param name="Reason">Why not, naming what is wrong; null when accepted.</param>
/// <param name="DesiredVersion">The desired-state version published; null when refused or only checked.</param>
public sealed record ModelAssignment(bool Accepted, string? Reason, long? DesiredVersion);

/// <summary>The newest model report (<see cref="ModelReportedMessage"/>) the fleet stored for each device.</summary>
public interface IModelReports
{
    /// <summary>The newest report of <paramref name="deviceId"/>; null when it never reported.</summary>
    Task<ModelReportedMessage?> LatestAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>The newest report of each of <paramref name="deviceIds"/> that reported.</summary>
    Task<IReadOnlyDictionary<string, ModelReportedMessage>> LatestAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken);
}
