using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.FleetManager.Tests.Contracts;

/// <summary>
/// The signed envelope shared by the fleet (signer) and the agent (verifier): a lossless JSON round trip, and one refusal,
/// with its reason, for each way a message can fail to be the fleet's.
/// </summary>
public sealed class SignedMessageTests : IDisposable
{
    private const string Schema = DesiredConfigMessage.SchemaId;
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"schema":"vsa.config.desired","deviceId":"pole-12","version":7,"note":"é"}""");
    private readonly MessageSigner _fleet = MessageSigner.CreateNew();
    private readonly MessageSigner _other = MessageSigner.CreateNew();

    public void Dispose()
    {
        _fleet.Dispose();
        _other.Dispose();
    }

    [Fact]
    public void SignToJson_RoundTrip_LosslessAndVerifiesToTheExactBytes()
    {
        var json = _fleet.SignToJson(Schema, Payload);
        var envelope = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SignedMessage)!;

        Assert.Equal(json, JsonSerializer.SerializeToUtf8Bytes(envelope, ContractsJsonContext.Default.SignedMessage));
        Assert.Equal(["keyId", "payload", "schema", "signature"], JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal((Schema, _fleet.KeyId), (envelope.Schema, envelope.KeyId));
        Assert.Equal(SigningKeys.SignatureLength, Convert.FromBase64String(envelope.Signature).Length);
        Assert.True(Verifier(_fleet).TryVerify(json, Schema, out var verified, out var error), error);
        Assert.Equal(Payload, verified.Payload);
        Assert.Equal((_fleet.KeyId, Convert.ToHexStringLower(SHA256.HashData(Payload))), (verified.KeyId, verified.Sha256));
    }

    [Fact]
    public void KeyId_OfAPublicKey_IsTheSha256OfItsSubjectPublicKeyInfo()
    {
        var pem = _fleet.PublicKeyPem;
        var read = Assert.Single(SigningKeys.ReadPublicKeys("# fleet key\n" + pem + "\n" + _other.PublicKeyPem).Take(1));

        Assert.Equal(_fleet.KeyId, SigningKeys.KeyId(read));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_fleet.SubjectPublicKeyInfo)), _fleet.KeyId);
        Assert.Matches("^[0-9a-f]{64}$", _fleet.KeyId);
        Assert.Equal(2, SigningKeys.ReadPublicKeys(pem + "\n" + _other.PublicKeyPem).Count);
        Assert.Equal(_fleet.KeyId, new MessageSigner(SigningKeys.ReadPrivateKey(_fleet.ExportPrivateKeyPem())).KeyId);
    }

    [Fact]
    public void TryVerify_SignedByAnotherKey_RefusedNamingTheKeyId()
    {
        var forged = _other.SignToJson(Schema, Payload);

        Assert.False(Verifier(_fleet).TryVerify(forged, Schema, out _, out var error));
        Assert.StartsWith($"{SignedMessageVerifier.NotTrustedPrefix} (key id {_other.KeyId} is not trusted; trusted: {_fleet.KeyId})", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryVerify_AnotherKeyClaimingTheTrustedId_Refused()
    {
        var envelope = _other.Sign(Schema, Payload) with { KeyId = _fleet.KeyId };

        Assert.False(Verifier(_fleet).TryVerify(envelope, Schema, out _, out var error));
        Assert.Equal($"{SignedMessageVerifier.NotTrustedPrefix} (key id {_fleet.KeyId})", error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(-1)]
    public void TryVerify_OneBitFlippedInThePayload_Refused(int index)
    {
        var envelope = _fleet.Sign(Schema, Payload);
        var altered = Convert.FromBase64String(envelope.Payload);
        altered[index < 0 ? altered.Length - 1 : index] ^= 0x01;

        Assert.False(Verifier(_fleet).TryVerify(envelope with { Payload = Convert.ToBase64String(altered) }, Schema, out var verified, out var error));
        Assert.Null(verified);
        Assert.Equal($"{SignedMessageVerifier.NotTrustedPrefix} (key id {_fleet.KeyId})", error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(63)]
    public void TryVerify_OneBitFlippedInTheSignature_Refused(int index)
    {
        var envelope = _fleet.Sign(Schema, Payload);
        var signature = Convert.FromBase64String(envelope.Signature);
        signature[index] ^= 0x80;

        Assert.False(Verifier(_fleet).TryVerify(envelope with { Signature = Convert.ToBase64String(signature) }, Schema, out _, out var error));
        Assert.Equal($"{SignedMessageVerifier.NotTrustedPrefix} (key id {_fleet.KeyId})", error);
    }

    [Fact]
    public void TryVerify_TruncatedSignatureOrPayloadOrDocument_RefusedWithTheReason()
    {
        var envelope = _fleet.Sign(Schema, Payload);
        var json = _fleet.SignToJson(Schema, Payload);
        var shortSignature = Convert.ToBase64String(Convert.FromBase64String(envelope.Signature)[..63]);
        var shortPayload = Convert.ToBase64String(Payload[..^1]);
        var verifier = Verifier(_fleet);

        Assert.False(verifier.TryVerify(envelope with { Signature = shortSignature }, Schema, out _, out var signatureError));
        Assert.False(verifier.TryVerify(envelope with { Payload = shortPayload }, Schema, out _, out var payloadError));
        Assert.False(verifier.TryVerify(json.AsSpan(0, json.Length - 10), Schema, out _, out var documentError));
        Assert.False(verifier.TryVerify(envelope with { Signature = "not base64!" }, Schema, out _, out var base64Error));

        Assert.EndsWith("the signature is 63 bytes, a P-256 signature (IEEE P1363) is 64", signatureError, StringComparison.Ordinal);
        Assert.Equal($"{SignedMessageVerifier.NotTrustedPrefix} (key id {_fleet.KeyId})", payloadError);
        Assert.StartsWith("not a signed message: ", documentError, StringComparison.Ordinal);
        Assert.EndsWith("payload or signature is not base64", base64Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryVerify_UnknownSchemaOrUnsignedDocument_Refused()
    {
        var suspension = _fleet.SignToJson("vsa.suspension", Payload);

        Assert.False(Verifier(_fleet).TryVerify(suspension, Schema, out _, out var schemaError));
        Assert.False(Verifier(_fleet).TryVerify(Payload, Schema, out _, out var unsignedError));
        Assert.False(Verifier(_fleet).TryVerify("[1,2]"u8, Schema, out _, out var arrayError));

        Assert.Equal("signed message: schema 'vsa.suspension' is not 'vsa.config.desired'", schemaError);
        Assert.Equal("not signed: 'keyId' is missing", unsignedError);
        Assert.StartsWith("not a signed message: ", arrayError, StringComparison.Ordinal);
    }

    [Fact]
    public void TryVerify_NoTrustedKey_EveryMessageRefused()
    {
        Assert.False(SignedMessageVerifier.None.TryVerify(_fleet.SignToJson(Schema, Payload), Schema, out _, out var error));
        Assert.Equal($"{SignedMessageVerifier.NotTrustedPrefix} (key id {_fleet.KeyId}): no signing key is trusted here", error);
    }

    [Fact]
    public void ReadPublicKeys_NotAP256PublicKey_FormatExceptionSaysWhy()
    {
        using var rsa = RSA.Create(2048);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Contains("no PEM block 'PUBLIC KEY'", Assert.Throws<FormatException>(() => SigningKeys.ReadPublicKeys(_fleet.ExportPrivateKeyPem())).Message, StringComparison.Ordinal);
        Assert.Contains("not an ECDSA public key", Assert.Throws<FormatException>(() => SigningKeys.ReadPublicKeys(rsa.ExportSubjectPublicKeyInfoPem())).Message, StringComparison.Ordinal);
        Assert.Contains("not on the P-256 curve", Assert.Throws<FormatException>(() => SigningKeys.ReadPublicKeys(p384.ExportSubjectPublicKeyInfoPem())).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MessageSigner(ECDsa.Create(ECCurve.NamedCurves.nistP384)));
    }

    private static SignedMessageVerifier Verifier(MessageSigner trusted) => new([trusted.SubjectPublicKeyInfo]);
}
