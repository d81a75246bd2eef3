using System.Text.Json;

namespace Vsa.Edge.Contracts;

/// <summary>
/// A camera document an installer drew on the pole (the set-up page), sent by the device itself on its own
/// <see cref="Topics.ConfigProposal"/> (QoS 1, not retained) with its own certificate: the installer needs no account on the
/// fleet. A proposal changes nothing on the device; an administrator applies it (it becomes the device's next desired version,
/// through the same authorisation gate as any change) or rejects it.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device (the topic's).</param>
/// <param name="ProposalId">Lower-case hex SHA-256 of the camera document's bytes as saved on the pole: the same document sent again is the same proposal.</param>
/// <param name="At">When the installer saved it (the file's time on the pole).</param>
/// <param name="Camera">The camera document, exactly in the agent's camera-file format.</param>
public sealed record ConfigProposalMessage(string Schema, int SchemaVersion, string DeviceId, string ProposalId, DateTimeOffset At, JsonElement Camera)
{
    /// <summary>Schema identifier.</summary>
    public const string SchemaId = "vsa.config.proposal";

    /// <summary>Current schema version.</summary>
    public const int CurrentVersion = 1;

    /// <summary>
    /// Proposals the fleet takes from one device within an hour; more are refused (dead-lettered) after their PUBACK, so
    /// the agent itself sends no more than this within any hour and keeps the rest on the pole until the hour has passed.
    /// </summary>
    public const int MaxPerDevicePerHour = 30;
}
