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
/// <param name="FirstSeenAt">When the fleet manager first heard of the device (fleet clock).</param>
/// <param name="UpdatedAt">When the fleet manager last changed the row (fleet clock).</param>
public sealed record DeviceView(
    string DeviceId,
    DeviceState Status,
    DateTimeOffset? StatusAt,
    DateTimeOffset? LastHeartbeatAt,
    string? AgentVersion,
    string? ExecutionProvider,
    HealthMessage? LastHealth,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset UpdatedAt);
