using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Suspension;

/// <summary>What a received (or kept) suspension state turned out to be.</summary>
/// <param name="Message">The state, when signed by a trusted key for this device and newer than the one applied; else null.</param>
/// <param name="Error">Why it was refused; null when <paramref name="Message"/> is set, or when it is the state already applied.</param>
public sealed record OpenedSuspension(SuspensionStateMessage? Message, string? Error)
{
    /// <summary>The same version as the one applied (the retained copy again after a reconnection): nothing to do.</summary>
    public bool AlreadyApplied => Message is null && Error is null;
}

/// <summary>
/// The device's gate on <c>suspension</c>: a state counts only as a <see cref="SignedMessage"/> of schema
/// <see cref="SuspensionStateMessage.SchemaId"/> signed by a key this device trusts (the same keys as the desired
/// configuration), for this device, with a version newer than the one applied: an older genuine state replayed onto the
/// topic (to resume a camera the fleet suspended since) is refused.
/// </summary>
public sealed class SuspensionVerifier(SignedMessageVerifier verifier, string deviceId)
{
    /// <summary>Verifies, parses and checks <paramref name="received"/> against the applied version <paramref name="appliedVersion"/>.</summary>
    public OpenedSuspension Open(ReadOnlySpan<byte> received, long appliedVersion)
    {
        if (!verifier.TryVerify(received, SuspensionStateMessage.SchemaId, out var verified, out var error))
        {
            return new(null, error);
        }

        SuspensionStateMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.SuspensionStateMessage);
        }
        catch (JsonException ex)
        {
            return new(null, $"{ex.Path ?? "$"}: signed by key id {verified.KeyId} but not a suspension state: {ex.Message}");
        }

        if (message is null || message.Cameras is null || message.Schema != SuspensionStateMessage.SchemaId)
        {
            return new(null, "$: the signed document is not a suspension state (schema, cameras)");
        }

        if (!string.Equals(message.DeviceId, deviceId, StringComparison.Ordinal))
        {
            return new(null, $"deviceId: '{message.DeviceId}' is not this device ('{deviceId}'): signed for another device");
        }

        if (message.Version == appliedVersion)
        {
            return new(null, null);
        }

        return message.Version < appliedVersion
            ? new(null, $"version: {message.Version} is older than the applied version {appliedVersion}: a replayed state is refused")
            : new(message, null);
    }
}
