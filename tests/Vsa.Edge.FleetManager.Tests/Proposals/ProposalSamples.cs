using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;

namespace Vsa.Edge.FleetManager.Tests.Proposals;

/// <summary>Proposal payloads as an agent sends them, and ways to spoil them.</summary>
internal static class ProposalSamples
{
    /// <summary>The payload for <paramref name="camera"/> from <paramref name="deviceId"/>, its id the SHA-256 of the document's text.</summary>
    public static JsonObject Payload(string deviceId, JsonElement camera, DateTimeOffset? at = null)
    {
        var text = camera.GetRawText();
        return new JsonObject
        {
            ["schema"] = ConfigProposalMessage.SchemaId,
            ["schemaVersion"] = 1,
            ["deviceId"] = deviceId,
            ["proposalId"] = IdOf(text),
            ["at"] = ConfigSamples.Iso(at ?? ConfigSamples.NowToTheSecond()),
            ["camera"] = JsonNode.Parse(text),
        };
    }

    public static string IdOf(string document) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));
}
