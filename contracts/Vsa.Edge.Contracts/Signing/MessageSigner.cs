using System.Security.Cryptography;
using System.Text.Json;

namespace Vsa.Edge.Contracts.Signing;

/// <summary>
/// Signs messages into <see cref="SignedMessage"/> envelopes with one ECDSA P-256 private key (SHA-256, IEEE P1363).
/// The fleet holds one for desired state; tests make their own. Thread-safe.
/// </summary>
public sealed class MessageSigner : IDisposable
{
    private readonly ECDsa _key;
    private readonly Lock _gate = new();

    /// <summary>A signer over <paramref name="key"/>, which it then owns (disposed with it).</summary>
    /// <exception cref="ArgumentException">The key is not on the P-256 curve.</exception>
    public MessageSigner(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.ExportParameters(false).Curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new ArgumentException("A message signing key must be ECDSA P-256.", nameof(key));
        }

        _key = key;
        SubjectPublicKeyInfo = key.ExportSubjectPublicKeyInfo();
        KeyId = SigningKeys.KeyId(SubjectPublicKeyInfo);
    }

    /// <summary>A signer with a new random key (tests, first start).</summary>
    public static MessageSigner CreateNew() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The public key, DER SubjectPublicKeyInfo.</summary>
    public byte[] SubjectPublicKeyInfo { get; }

    /// <summary>The key id (<see cref="SigningKeys.KeyId(ReadOnlySpan{byte})"/>).</summary>
    public string KeyId { get; }

    /// <summary>The public key in PEM, what a device is given to trust.</summary>
    public string PublicKeyPem => SigningKeys.PublicKeyPem(SubjectPublicKeyInfo);

    /// <summary>The private key in PKCS #8 PEM (to write it to its owner-only file).</summary>
    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>Signs <paramref name="payload"/> (the exact bytes to deliver) as a message of schema <paramref name="schema"/>.</summary>
    public SignedMessage Sign(string schema, ReadOnlySpan<byte> payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        byte[] signature;
        lock (_gate)
        {
            signature = _key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }

        return new SignedMessage(schema, KeyId, Convert.ToBase64String(payload), Convert.ToBase64String(signature));
    }

    /// <summary>Signs and serialises: the UTF-8 JSON of the envelope, what goes on the wire.</summary>
    public byte[] SignToJson(string schema, ReadOnlySpan<byte> payload) =>
        JsonSerializer.SerializeToUtf8Bytes(Sign(schema, payload), ContractsJsonContext.Default.SignedMessage);

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
