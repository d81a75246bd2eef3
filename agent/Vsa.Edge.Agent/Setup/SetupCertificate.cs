using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// The set-up page's TLS certificate: self-signed, made at start with a fresh ECDSA P-256 key that never touches the
/// disk, valid two days, for the names and addresses the page listens on. The installer compares the SHA-256 fingerprint
/// printed on the pole's terminal with the one the browser shows before typing the one-time code.
/// </summary>
internal static class SetupCertificate
{
    public static X509Certificate2 Create(IReadOnlyList<IPAddress> addresses, string hostName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=vsa-edge set-up ({hostName})", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        if (!string.IsNullOrWhiteSpace(hostName) && Uri.CheckHostName(hostName) == UriHostNameType.Dns)
        {
            names.AddDnsName(hostName);
        }

        foreach (var address in addresses.Append(IPAddress.Loopback).Append(IPAddress.IPv6Loopback).Distinct())
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(now.AddHours(-1), now.AddDays(2));
    }

    /// <summary>SHA-256 of the certificate, as browsers show it: upper-case hex pairs joined by colons.</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + ":" + b);
    }
}
