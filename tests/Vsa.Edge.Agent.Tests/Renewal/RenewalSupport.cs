using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Tests.Renewal;

/// <summary>A device enrolled with the test CA (its credentials folder as <c>vsa-agent enrol</c> writes it) and the fleet's answers to its renewals.</summary>
internal sealed class RenewalSupport : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("vsa-renewal-");

    public RenewalSupport(string deviceId = "pole-31")
    {
        DeviceId = deviceId;
        Directory.CreateDirectory(CredentialsDirectory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = Ca.SignDevice(new CertificateRequest($"CN={deviceId}", key, HashAlgorithmName.SHA256).CreateSigningRequestPem());
        File.WriteAllText(Path.Combine(CredentialsDirectory, DeviceCredentials.CaFileName), Ca.Certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(CredentialsDirectory, DeviceCredentials.CertificateFileName), certificate.ExportCertificatePem() + "\n");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(Path.Combine(CredentialsDirectory, DeviceCredentials.KeyFileName), options))
        {
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        }

        EnrolledSerial = certificate.SerialNumber;
        EnrolledPublicKey = key.ExportSubjectPublicKeyInfo();
    }

    /// <summary>The enrolled key's DER SubjectPublicKeyInfo.</summary>
    public byte[] EnrolledPublicKey { get; }

    public string DeviceId { get; }

    public TestCertificateAuthority Ca { get; } = new();

    public string Folder => _folder.FullName;

    public string CredentialsDirectory => Path.Combine(_folder.FullName, "credentials");

    public string EnrolledSerial { get; }

    public string CertificatePath => Path.Combine(CredentialsDirectory, DeviceCredentials.CertificateFileName);

    public string KeyPath => Path.Combine(CredentialsDirectory, DeviceCredentials.KeyFileName);

    /// <summary>The serial of the certificate now in the credentials folder.</summary>
    public string StoredSerial
    {
        get
        {
            using var stored = X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
            return stored.SerialNumber;
        }
    }

    public MqttOptions Mqtt(int port = 1883) => new() { Host = "127.0.0.1", Port = port, CredentialsDirectory = CredentialsDirectory };

    /// <summary>What the fleet answers to <paramref name="request"/>: a certificate of the test CA for its CSR, signed by <paramref name="signer"/> (default the fleet's key).</summary>
    public byte[] Issue(CertificateRequestMessage request, MessageSigner? signer = null, string? requestId = null)
    {
        using var certificate = Ca.SignDevice(request.CsrPem!);
        return Sign(new CertificateIssuedMessage(
            CertificateIssuedMessage.SchemaId, CertificateIssuedMessage.CurrentVersion, request.DeviceId, requestId ?? request.RequestId,
            certificate.SerialNumber, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), certificate.ExportCertificatePem(), null, DateTimeOffset.UtcNow), signer);
    }

    /// <summary>The fleet's refusal of <paramref name="request"/>.</summary>
    public static byte[] Refuse(CertificateRequestMessage request, string why) =>
        Sign(new CertificateIssuedMessage(CertificateIssuedMessage.SchemaId, CertificateIssuedMessage.CurrentVersion, request.DeviceId, request.RequestId, null, null, null, why, DateTimeOffset.UtcNow), null);

    /// <summary>The public key a request's CSR certifies (DER SubjectPublicKeyInfo).</summary>
    public static byte[] CsrKey(CertificateRequestMessage request) =>
        CertificateRequest.LoadSigningRequestPem(request.CsrPem!, HashAlgorithmName.SHA256).PublicKey.ExportSubjectPublicKeyInfo();

    public void Dispose()
    {
        Ca.Dispose();
        _folder.Delete(recursive: true);
    }

    private static byte[] Sign(CertificateIssuedMessage message, MessageSigner? signer) =>
        (signer ?? TestSigning.Fleet).SignToJson(CertificateIssuedMessage.SchemaId, JsonSerializer.SerializeToUtf8Bytes(message, ContractsJsonContext.Default.CertificateIssuedMessage));
}
