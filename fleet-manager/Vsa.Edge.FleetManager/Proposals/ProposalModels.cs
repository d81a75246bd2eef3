using System.Text.Json;
using System.Text.Json.Serialization;
using Vsa.Edge.FleetManager.DeviceConfigs;

namespace Vsa.Edge.FleetManager.Proposals;

/// <summary>What became of a proposal.</summary>
public static class ProposalStatus
{
    /// <summary>Waiting for an administrator.</summary>
    public const string Pending = "pending";

    /// <summary>Made the device's desired version <see cref="ProposalRecord.AppliedVersion"/>.</summary>
    public const string Applied = "applied";

    /// <summary>Refused by an administrator, with a reason.</summary>
    public const string Rejected = "rejected";

    /// <summary>Replaced by a newer proposal for the same camera before anyone decided; kept so its id is never reused.</summary>
    public const string Superseded = "superseded";
}

/// <summary>A stored proposal.</summary>
/// <param name="DeviceId">The device that sent it.</param>
/// <param name="ProposalId">SHA-256 (hex) of the document as saved on the pole.</param>
/// <param name="CameraId">The camera it lays out.</param>
/// <param name="Document">The camera document, as received.</param>
/// <param name="ProposedAt">When the installer saved it (device clock).</param>
/// <param name="ReceivedAt">When the fleet stored it.</param>
/// <param name="Status"><see cref="ProposalStatus"/>.</param>
/// <param name="DecidedBy">The administrator who applied or rejected it.</param>
/// <param name="DecidedAt">When.</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="AppliedVersion">The desired version it became.</param>
public sealed record ProposalRecord(
    string DeviceId,
    string ProposalId,
    string CameraId,
    string Document,
    DateTimeOffset ProposedAt,
    DateTimeOffset ReceivedAt,
    string Status,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? Reason,
    long? AppliedVersion);

/// <summary>
/// A proposal as the console shows it: the proposed layout and the current one (geometry only: never an image, never the
/// camera's address), and the differences named.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="ProposalId">The proposal.</param>
/// <param name="CameraId">The camera.</param>
/// <param name="ProposedAt">When the installer saved it.</param>
/// <param name="ReceivedAt">When the fleet received it.</param>
/// <param name="Status"><see cref="ProposalStatus"/>.</param>
/// <param name="DecidedBy">Who applied or rejected it.</param>
/// <param name="DecidedAt">When.</param>
/// <param name="Reason">Why it was rejected.</param>
/// <param name="AppliedVersion">The desired version it became.</param>
/// <param name="Layout">The proposed zones, lines and masks.</param>
/// <param name="Current">The camera's layout in the current desired configuration, null when it has none.</param>
/// <param name="BaseVersion">The desired version the differences are against (0: none yet); send it back to apply.</param>
/// <param name="Differences">What applying it would change on that camera, one line each.</param>
/// <param name="Document">The proposed document, its source's password masked.</param>
/// <param name="CurrentDocument">The camera's document in the current desired configuration, its source's password masked (the console draws its calibration); null when it has none.</param>
public sealed record ProposalView(
    string DeviceId,
    string ProposalId,
    string CameraId,
    DateTimeOffset ProposedAt,
    DateTimeOffset ReceivedAt,
    string Status,
    string? DecidedBy,
    DateTimeOffset? DecidedAt,
    string? Reason,
    long? AppliedVersion,
    CameraLayout Layout,
    CameraLayout? Current,
    long BaseVersion,
    IReadOnlyList<string> Differences,
    JsonElement Document,
    JsonElement? CurrentDocument = null);

/// <summary>Body of <c>POST /api/devices/{deviceId}/proposals/{proposalId}/apply</c>.</summary>
/// <param name="ExpectedVersion">The desired version the administrator looked at (<see cref="ProposalView.BaseVersion"/>): 409 if another was accepted since.</param>
public sealed record ApplyProposalRequest(long? ExpectedVersion = null);

/// <summary>Body of <c>POST /api/devices/{deviceId}/proposals/{proposalId}/reject</c>.</summary>
/// <param name="Reason">Why (required, at most 1000 characters): recorded and audited.</param>
public sealed record RejectProposalRequest(string? Reason);

/// <summary>JSON metadata of the proposal endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProposalView))]
[JsonSerializable(typeof(IReadOnlyList<ProposalView>))]
[JsonSerializable(typeof(IReadOnlyList<ProposalDeviceSummary>))]
[JsonSerializable(typeof(ApplyProposalRequest))]
[JsonSerializable(typeof(RejectProposalRequest))]
internal sealed partial class ProposalJsonContext : JsonSerializerContext;
