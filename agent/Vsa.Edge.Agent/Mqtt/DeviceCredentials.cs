using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// The device's TLS identity for the fleet broker: its certificate with the private key that never left the device, and
/// the fleet CA that must have issued the broker's certificate.
/// </summary>
public sealed class DeviceCredentials : IDisposable
{
    /// <summary>File name of the fleet CA in a credentials folder.</summary>
    public const string CaFileName = "ca.crt";

    /// <summary>File name of the device certificate in a credentials folder.</summary>
    public const string CertificateFileName = "device.crt";

    /// <summary>
    /// File name of the public keys the device trusts to sign its desired state (PEM <c>PUBLIC KEY</c> blocks), stored by
    /// enrolment beside the CA.
    /// </summary>
    public const string SigningKeysFileName = "signing-keys.pem";

    /// <summary>File name of the device's private key in a credentials folder (mode 0600).</summary>
    public const string KeyFileName = "device.key";

    private DeviceCredentials(X509Certificate2 certificate, X509Certificate2 ca)
    {
        Certificate = certificate;
        Ca = ca;
    }

    /// <summary>The device certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The fleet CA.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The device id the certificate names (its CN).</summary>
    public string DeviceId => Certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    /// <summary>Loads the credentials of <paramref name="options"/>; null when it configures none.</summary>
    public static DeviceCredentials? Load(MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.UsesTls)
        {
            return null;
        }

        var (ca, certificate, key) = options.CredentialFiles;
        try
        {
            // A renewal a crash interrupted is finished (committed) or discarded (not) before anything is read.
            Renewal.RenewedCredentialFiles.Recover(certificate, key);
            return new DeviceCredentials(X509Certificate2.CreateFromPemFile(certificate, key), X509Certificate2.CreateFromPem(File.ReadAllText(ca)));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Mqtt: cannot load the TLS credentials ({certificate}, {key}, {ca}): {ex.Message}", ex);
        }
    }

    /// <summary>Extended key usage a broker certificate must carry (TLS server authentication).</summary>
    public const string ServerAuthenticationOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>
    /// Mutual TLS: present the device certificate; accept only a broker certificate issued by the fleet CA for that host
    /// and for server authentication.
    /// </summary>
    public void Apply(MqttClientOptionsBuilder builder) =>
        builder.WithTlsOptions(tls => tls
            .UseTls()
            .WithClientCertificates([Certificate])
            .WithCertificateValidationHandler(e => (e.SslPolicyErrors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                && e.Certificate is not null && IssuedByCa(e.Certificate)));

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        Ca.Dispose();
    }

    private bool IssuedByCa(X509Certificate certificate)
    {
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // The fleet CA also signs every device's (client) certificate: only one issued for server authentication is the broker's.
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthenticationOid));
        return chain.Build(server);
    }
}
