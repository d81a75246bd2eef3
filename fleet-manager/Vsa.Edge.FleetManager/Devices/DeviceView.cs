using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>What the fleet manager knows about one device.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Status">Online or offline, from its status messages (and heartbeats newer than the last status).</param>
/// <param name="StatusAt">Timestamp of the last status message applied, if any.</param>
/// <param name="LastHeartbeatAt">Send time of the newest heartbeat, if any.</param>
/// <param name="AgentVersion">Agent version from the newest heartbeat.</param>
/// <param name="ExecutionProvider">ONNX Runtime execution provider from the newest heartbeat (TensorRT, CUDA, CPU).</param>
/// <param name="LastHealth">The newest heartbeat as received (per-camera figures, model).</param>
/// <param name="FirstSeenAt">When the fleet manager first heard of the device (fleet clock); null when it never connected.</param>
/// <param name="UpdatedAt">When the fleet manager last changed the row (fleet clock); null when it never connected.</param>
/// <param name="Config">Desired and reported configuration at a glance (drift, not reported); null only where not looked up.</param>
/// <param name="Site">The site of its active device certificate (the enrolment token's site); null when not enrolled.</param>
/// <param name="NeverConnected">
/// Known to the fleet only by an enrolment or a desired configuration: it never published a status or a heartbeat
/// (<see cref="Status"/> is then offline).
/// </param>
public sealed record DeviceView(
    string DeviceId,
    DeviceState Status,
    DateTimeOffset? StatusAt,
    DateTimeOffset? LastHeartbeatAt,
    string? AgentVersion,
    string? ExecutionProvider,
    HealthMessage? LastHealth,
    DateTimeOffset? FirstSeenAt,
    DateTimeOffset? UpdatedAt,
    DeviceConfigSummary? Config = null,
    string? Site = null,
    bool NeverConnected = false);

/// <summary>A device's configuration at a glance, for a device board.</summary>
/// <param name="DesiredVersion">Current desired version, null when the fleet never configured the device.</param>
/// <param name="AppliedVersion">Desired version the device reports running, null when it runs its local files or never reported.</param>
/// <param name="Status">What became of the newest desired version it received, null when it never reported.</param>
/// <param name="Drift">A desired configuration exists and the device does not run it (not reported, other version, rejected).</param>
/// <param name="ReportedAt">When the device published its newest report (its clock), null when it never reported.</param>
/// <param name="NotReported">The device never published config/reported.</param>
public sealed record DeviceConfigSummary(
    long? DesiredVersion,
    long? AppliedVersion,
    ConfigApplyStatus? Status,
    bool Drift,
    DateTimeOffset? ReportedAt,
    bool NotReported);
