using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json;

namespace Vsa.Edge.Contracts.Signing;

/// <summary>A payload whose signature verified.</summary>
/// <param name="KeyId">The trusted key that signed it.</param>
/// <param name="Payload">The exact bytes signed (the inner message's JSON).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of <paramref name="Payload"/> (what audits and reports name).</param>
public sealed record VerifiedPayload(string KeyId, byte[] Payload, string Sha256);

/// <summary>
/// Verifies <see cref="SignedMessage"/> envelopes against a fixed set of trusted public keys (ECDSA P-256, SHA-256, IEEE
/// P1363). Each refusal says why in one line, naming the key id when the envelope gives one. Immutable and thread-safe.
/// </summary>
public sealed class SignedMessageVerifier
{
    /// <summary>Start of every refusal of a signature that does not verify (so reports can be matched on it).</summary>
    public const string NotTrustedPrefix = "signature does not verify with a trusted key";

    private readonly Dictionary<string, byte[]> _keys;

    /// <summary>A verifier trusting <paramref name="subjectPublicKeyInfos"/> (DER; duplicates count once).</summary>
    public SignedMessageVerifier(IEnumerable<byte[]> subjectPublicKeyInfos)
    {
        ArgumentNullException.ThrowIfNull(subjectPublicKeyInfos);
        _keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var spki in subjectPublicKeyInfos)
        {
            _keys.TryAdd(SigningKeys.KeyId(spki), [.. spki]);
        }
    }

    /// <summary>A verifier trusting nothing: every message is refused.</summary>
    public static SignedMessageVerifier None { get; } = new([]);

    /// <summary>The ids of the trusted keys, sorted.</summary>
    public IReadOnlyList<string> KeyIds => [.. _keys.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Parses the envelope in <paramref name="json"/> and verifies it (see <see cref="TryVerify(SignedMessage, string, out VerifiedPayload, out string)"/>).</summary>
    public bool TryVerify(ReadOnlySpan<byte> json, string expectedSchema, [NotNullWhen(true)] out VerifiedPayload? verified, [NotNullWhen(false)] out string? error)
    {
        SignedMessage? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SignedMessage);
        }
        catch (JsonException ex)
        {
            (verified, error) = (null, $"not a signed message: {ex.Message}");
            return false;
        }

        if (envelope is null)
        {
            (verified, error) = (null, "not a signed message: the document is null");
            return false;
        }

        return TryVerify(envelope, expectedSchema, out verified, out error);
    }

    /// <summary>
    /// True when <paramref name="envelope"/> is of <paramref name="expectedSchema"/>, names a trusted key and its signature
    /// verifies over its payload bytes with that key; else false with <paramref name="error"/> saying why.
    /// </summary>
    public bool TryVerify(SignedMessage envelope, string expectedSchema, [NotNullWhen(true)] out VerifiedPayload? verified, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        verified = null;
        error = Check(envelope, expectedSchema, out var payload);
        if (error is not null)
        {
            return false;
        }

        verified = new VerifiedPayload(envelope.KeyId, payload!, Convert.ToHexStringLower(SHA256.HashData(payload!)));
        return true;
    }

    private string? Check(SignedMessage envelope, string expectedSchema, out byte[]? payload)
    {
        payload = null;

        // Deserialised from the wire: a missing field is null whatever the record says.
        foreach (var (name, value) in new[] { ("schema", envelope.Schema), ("keyId", envelope.KeyId), ("payload", envelope.Payload), ("signature", envelope.Signature) })
        {
            if (string.IsNullOrEmpty(value))
            {
                return $"not signed: '{name}' is missing";
            }
        }

        if (!string.Equals(envelope.Schema, expectedSchema, StringComparison.Ordinal))
        {
            return $"signed message: schema '{envelope.Schema}' is not '{expectedSchema}'";
        }

        if (_keys.Count == 0)
        {
            return $"{NotTrustedPrefix} (key id {envelope.KeyId}): no signing key is trusted here";
        }

        if (!_keys.TryGetValue(envelope.KeyId, out var spki))
        {
            return $"{NotTrustedPrefix} (key id {envelope.KeyId} is not trusted; trusted: {SigningKeys.Describe(_keys.Keys)})";
        }

        byte[] signature;
        try
        {
            (payload, signature) = (Convert.FromBase64String(envelope.Payload), Convert.FromBase64String(envelope.Signature));
        }
        catch (FormatException)
        {
            payload = null;
            return $"{NotTrustedPrefix} (key id {envelope.KeyId}): payload or signature is not base64";
        }

        if (signature.Length != SigningKeys.SignatureLength)
        {
            payload = null;
            return $"{NotTrustedPrefix} (key id {envelope.KeyId}): the signature is {signature.Length} bytes, a P-256 signature (IEEE P1363) is {SigningKeys.SignatureLength}";
        }

        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        if (!key.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            payload = null;
            return $"{NotTrustedPrefix} (key id {envelope.KeyId})";
        }

        return null;
    }
}
