using System.Text.Json;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Tests.DesiredConfig;

/// <summary>The device's gate on <c>config/desired</c> and where its trusted keys come from.</summary>
public sealed class DesiredConfigVerifierTests : IDisposable
{
    private const string DeviceId = "pole-12";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-trust-");
    private readonly DesiredConfigVerifier _verifier = new(new SignedMessageVerifier([TestSigning.Fleet.SubjectPublicKeyInfo]), DeviceId);

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Open_SignedByTheTrustedKeyForThisDevice_TheMessage()
    {
        var opened = _verifier.Open(TestSigning.Sign(Desired(DeviceId, 3)));

        Assert.Null(opened.Error);
        Assert.Equal((3L, TestSigning.Fleet.KeyId), (opened.Message!.Version, opened.KeyId));
        Assert.Matches("^[0-9a-f]{64}$", opened.Sha256);
    }

    [Fact]
    public void Open_TheRightKeyForAnotherDevice_RefusedWithoutItsVersion()
    {
        var opened = _verifier.Open(TestSigning.Sign(Desired("pole-13", 999)));

        Assert.Null(opened.Message);
        Assert.Equal("deviceId: 'pole-13' is not this device ('pole-12'): signed for another device", opened.Error);
    }

    [Fact]
    public void Open_UnsignedOrForged_RefusedNamingTheReason()
    {
        using var attacker = MessageSigner.CreateNew();
        var unsigned = JsonSerializer.SerializeToUtf8Bytes(Desired(DeviceId, 999), ContractsJsonContext.Default.DesiredConfigMessage);

        var plain = _verifier.Open(unsigned);
        var forged = _verifier.Open(TestSigning.Sign(Desired(DeviceId, 999), attacker));

        Assert.Equal((null, "not signed: 'keyId' is missing"), (plain.Message, plain.Error));
        Assert.Null(forged.Message);
        Assert.StartsWith($"signature does not verify with a trusted key (key id {attacker.KeyId} is not trusted", forged.Error, StringComparison.Ordinal);
        Assert.NotEqual(plain.Sha256, forged.Sha256);
    }

    [Fact]
    public void Load_EnrolledFileAndOptions_TrustsBothAndValidateNamesABadEntry()
    {
        using var extra = MessageSigner.CreateNew();
        var credentials = Directory.CreateDirectory(Path.Combine(_dir.FullName, "credentials")).FullName;
        File.WriteAllText(Path.Combine(credentials, DeviceCredentials.SigningKeysFileName), TestSigning.Fleet.PublicKeyPem);
        File.WriteAllText(Path.Combine(_dir.FullName, "extra.pem"), extra.PublicKeyPem);
        var agent = new AgentOptions { DeviceId = DeviceId, BaseDirectory = _dir.FullName, TrustedSigningKeys = ["extra.pem"] };
        var mqtt = new MqttOptions { CredentialsDirectory = credentials };

        var trusted = TrustedSigningKeys.Load(agent, mqtt);
        var bad = new AgentOptions { DeviceId = DeviceId, BaseDirectory = _dir.FullName, TrustedSigningKeys = [TestSigning.Fleet.PublicKeyPem, "missing.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"] };

        Assert.Equal(new[] { TestSigning.Fleet.KeyId, extra.KeyId }.Order(StringComparer.Ordinal), trusted.KeyIds);
        Assert.Empty(TrustedSigningKeys.Load(new AgentOptions { DeviceId = DeviceId }, new MqttOptions()).KeyIds);
        var errors = TrustedSigningKeys.Validate(bad).ToList();
        Assert.Equal(2, errors.Count);
        Assert.StartsWith("Agent:TrustedSigningKeys[1]: ", errors[0], StringComparison.Ordinal);
        Assert.Contains("missing.pem", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("Agent:TrustedSigningKeys[2]: inline key: public key 1 is not an ECDSA public key", errors[1], StringComparison.Ordinal);
    }

    private static DesiredConfigMessage Desired(string deviceId, long version) =>
        new(DesiredConfigMessage.SchemaId, DesiredConfigMessage.CurrentVersion, deviceId, version, DateTimeOffset.UnixEpoch, [], []);
}
