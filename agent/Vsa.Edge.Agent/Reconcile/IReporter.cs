using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>What the device reported last, as the check compares a received desired configuration with it.</summary>
/// <param name="Source">Who decided what runs.</param>
/// <param name="Applied">The fleet version that runs (null: the local files).</param>
/// <param name="LastReceived">The newest version received.</param>
/// <param name="Status">Whether the last one received was applied or refused.</param>
/// <param name="RejectedSha256">The refused bytes' hash while <paramref name="Status"/> is rejected.</param>
/// <param name="RejectedWasSigned">Whether the refused message could be trusted enough to read its version.</param>
public sealed record ReportedState(ConfigSource Source, long? Applied, long? LastReceived, ConfigApplyStatus Status, string? RejectedSha256, bool RejectedWasSigned);

/// <summary>Reports every outcome of the reconcile loop: what runs, what was refused and why (<see cref="ReportedConfigMessage"/>).</summary>
public interface IReporter
{
    /// <summary>Raised after every report.</summary>
    event EventHandler<ReportedConfigMessage>? Reported;

    /// <summary>The state the last report carried.</summary>
    ReportedState State { get; }

    /// <summary>The last report.</summary>
    ReportedConfigMessage? LastReport { get; }

    /// <summary>A desired state runs now.</summary>
    void Applied(ConfigSource source, long? version, IReadOnlyList<CameraConfig> documents);

    /// <summary>What runs was received again after a refusal: the newest received is the applied one again.</summary>
    void AppliedAgain();

    /// <summary>A desired configuration was refused; <paramref name="version"/> is null when it could not be trusted enough to read one.</summary>
    void Rejected(long? version, IReadOnlyList<string> errors, string sha256);

    /// <summary>One camera's document changed in place (a local file edit).</summary>
    void CameraChanged(CameraConfig document);
}
