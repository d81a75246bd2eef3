namespace Vsa.Edge.Contracts;

/// <summary>
/// The kill switch: a device's full suspension state, published by the fleet retained (QoS 1) on
/// <c>vsa/v1/{deviceId}/suspension</c> (<see cref="Topics.Suspension"/>) inside a <see cref="Signing.SignedMessage"/> of
/// schema <see cref="SchemaId"/>, signed with the desired-state key. It is a state, not a command: the newest message says
/// everything that is suspended on the device, so a lost or duplicated delivery cannot leave a camera running. The device
/// applies it only when the signature verifies with a key it trusts, <see cref="DeviceId"/> is its own and
/// <see cref="Version"/> is newer than the one it holds (a replayed older message is refused); it keeps it on disk.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device it is for.</param>
/// <param name="Version">Increases with every change of this device's suspension state (never reused).</param>
/// <param name="IssuedAt">When the fleet computed this state.</param>
/// <param name="Device">Set when the whole device is suspended (by a device, site or global suspension), else null.</param>
/// <param name="Cameras">The cameras suspended one by one (empty when none); a device suspension covers every camera anyway.</param>
public sealed record SuspensionStateMessage(
    string Schema,
    int SchemaVersion,
    string DeviceId,
    long Version,
    DateTimeOffset IssuedAt,
    SuspensionEntry? Device,
    IReadOnlyList<CameraSuspensionEntry> Cameras)
{
    /// <summary>Schema identifier of suspension states.</summary>
    public const string SchemaId = "vsa.suspension.state";

    /// <summary>Current schema version of suspension states.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Whether <paramref name="cameraId"/> may not be analysed under this state.</summary>
    public bool Suspends(string cameraId) =>
        Device is not null || Cameras.Any(c => string.Equals(c.CameraId, cameraId, StringComparison.Ordinal));
}

/// <summary>Why a whole device is suspended.</summary>
/// <param name="Scope">What was suspended: device, site or global.</param>
/// <param name="Reason">The reason given by whoever suspended (the first in force when several cover the device).</param>
/// <param name="Since">When (fleet clock).</param>
public sealed record SuspensionEntry(string Scope, string Reason, DateTimeOffset Since);

/// <summary>One suspended camera.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Reason">The reason given.</param>
/// <param name="Since">When (fleet clock).</param>
public sealed record CameraSuspensionEntry(string CameraId, string Reason, DateTimeOffset Since);

/// <summary>What a device reports of its suspension in every heartbeat (<see cref="HealthMessage.Suspension"/>).</summary>
/// <param name="Version">The version of the fleet's suspension state it applies; null when it never received one.</param>
/// <param name="Device">The whole device is suspended (by the fleet or by its local kill input).</param>
/// <param name="LocalKill">The local, physical kill input is active.</param>
/// <param name="Cameras">The cameras that do no analysis now (every camera when <paramref name="Device"/>).</param>
public sealed record SuspensionReport(long? Version, bool Device, bool LocalKill, IReadOnlyList<string> Cameras);
