using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Proposals;

/// <summary>
/// The content rules of a proposal, after the ingestion decoded it (size, UTF-8, JSON, schema, version and device id are
/// checked there, as for every device message): a SHA-256 id, a timestamp in the window, and a camera document the agent's own
/// validator accepts (<see cref="DesiredConfigRules.TryValidateCameras"/>, the check of every desired configuration). Pure.
/// </summary>
public static class ProposalChecks
{
    /// <summary>The refusal of <paramref name="m"/>, null when it is acceptable; <paramref name="camera"/> is the validated document then.</summary>
    public static (RejectReason Reason, string Detail)? Check(ConfigProposalMessage m, TimeWindow window, out ValidatedCamera? camera)
    {
        ArgumentNullException.ThrowIfNull(m);
        camera = null;
        if (m.ProposalId is not { Length: 64 } id || !id.All(char.IsAsciiHexDigitLower))
        {
            return (RejectReason.InvalidContent, "proposalId must be the SHA-256 of the document: 64 lower-case hex characters");
        }

        if (m.Camera.ValueKind != JsonValueKind.Object)
        {
            return (RejectReason.InvalidContent, "camera must be a camera document (a JSON object)");
        }

        if (window.Check(m.At, "at") is { } late)
        {
            return late;
        }

        if (!DesiredConfigRules.TryValidateCameras([m.Camera], out var valid, out var errors))
        {
            var all = errors.SelectMany(e => e.Value.Select(v => $"{e.Key.Replace("cameras[0]", "camera", StringComparison.Ordinal)}: {v}")).ToList();
            return (RejectReason.InvalidContent, $"refused by the agent's camera validator: {string.Join("; ", all.Take(8))}{(all.Count > 8 ? $" (and {all.Count - 8} more)" : string.Empty)}");
        }

        camera = valid[0];
        return null;
    }
}
