using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>
/// The desired-state key of the tests' "fleet": agents under test trust its public key (<c>Agent:TrustedSigningKeys</c>),
/// and the test publishers sign with it as the fleet manager does.
/// </summary>
internal static class TestSigning
{
    /// <summary>The fleet's key.</summary>
    public static MessageSigner Fleet { get; } = MessageSigner.CreateNew();

    /// <summary>The configuration line that makes an agent trust <see cref="Fleet"/>.</summary>
    public static KeyValuePair<string, string?> TrustSetting => new("Agent:TrustedSigningKeys:0", Fleet.PublicKeyPem);

    /// <summary>What the fleet publishes on <c>config/desired</c> for <paramref name="message"/>, signed by <paramref name="signer"/> (default the fleet's key).</summary>
    public static byte[] Sign(DesiredConfigMessage message, MessageSigner? signer = null) =>
        (signer ?? Fleet).SignToJson(DesiredConfigMessage.SchemaId, JsonSerializer.SerializeToUtf8Bytes(message, ContractsJsonContext.Default.DesiredConfigMessage));
}
