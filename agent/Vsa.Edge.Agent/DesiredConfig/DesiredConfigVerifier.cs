using System.Security.Cryptography;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.DesiredConfig;

/// <summary>What a received (or persisted) desired configuration turned out to be.</summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the bytes exactly as received (what a refusal is reported and audited by).</param>
/// <param name="Message">The configuration, when signed by a trusted key for this device; null when refused.</param>
/// <param name="KeyId">The trusted key that signed it; null when refused.</param>
/// <param name="Error">Why it was refused; null when <paramref name="Message"/> is set.</param>
public sealed record OpenedDesiredConfig(string Sha256, DesiredConfigMessage? Message, string? KeyId, string? Error);

/// <summary>
/// The device's gate on <c>config/desired</c>: a desired configuration counts only when it arrives as a
/// <see cref="SignedMessage"/> of schema <see cref="DesiredConfigMessage.SchemaId"/> whose signature verifies with a key this
/// device trusts (from its enrolment or <c>Agent:TrustedSigningKeys</c>), and whose payload names this device. Anything else
/// — unsigned, forged, altered, truncated, signed for another device — is refused before its version is even read, so no
/// version number in it can change what runs or block the next genuine one.
/// </summary>
public sealed class DesiredConfigVerifier(SignedMessageVerifier verifier, string deviceId)
{
    private readonly string _trusted = string.Join(", ", verifier.KeyIds);

    /// <summary>The trusted keys.</summary>
    public IReadOnlyList<string> TrustedKeyIds => verifier.KeyIds;

    /// <summary>Says at start which keys are trusted, or warns that none is (every desired configuration will be refused).</summary>
    public void LogTrust(Microsoft.Extensions.Logging.ILogger logger)
    {
        if (_trusted.Length == 0)
        {
            ConfigLog.NoTrustedKeys(logger, Topics.ConfigDesired(deviceId));
        }
        else
        {
            ConfigLog.TrustedKeys(logger, _trusted);
        }
    }

    /// <summary>Verifies then parses <paramref name="received"/>.</summary>
    public OpenedDesiredConfig Open(ReadOnlySpan<byte> received)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(received));
        if (!verifier.TryVerify(received, DesiredConfigMessage.SchemaId, out var verified, out var error))
        {
            return new(sha256, null, null, error);
        }

        DesiredConfigMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.DesiredConfigMessage);
        }
        catch (JsonException ex)
        {
            return new(sha256, null, null, $"{ex.Path ?? "$"}: signed by key id {verified.KeyId} but not a desired configuration: {ex.Message}");
        }

        if (message is null)
        {
            return new(sha256, null, null, "$: the signed document is null");
        }

        // Checked here, before the version is looked at: a genuine configuration of another device (replayed onto this
        // device's topic) must not count as "received" any more than a forged one.
        return string.Equals(message.DeviceId, deviceId, StringComparison.Ordinal)
            ? new(sha256, message, verified.KeyId, null)
            : new(sha256, null, null, $"deviceId: '{message.DeviceId}' is not this device ('{deviceId}'): signed for another device");
    }
}
