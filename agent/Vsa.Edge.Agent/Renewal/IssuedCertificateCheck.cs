using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Renewal;

/// <summary>What the agent checks of a certificate the fleet issued before it stores it: for this device's new key, by the fleet CA, usable now.</summary>
public static class IssuedCertificateCheck
{
    /// <summary>OID of TLS client authentication, which a device certificate must carry.</summary>
    public const string ClientAuthenticationOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Null when <paramref name="issued"/> certifies <paramref name="key"/> for <paramref name="deviceId"/> under <paramref name="ca"/> at <paramref name="now"/>; else what is wrong.</summary>
    public static string? Problem(CertificateIssuedMessage issued, string deviceId, ECDsa key, X509Certificate2 ca, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(issued);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(ca);
        if (string.IsNullOrEmpty(issued.CertificatePem))
        {
            return "no certificate in the answer";
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(issued.CertificatePem);
        }
        catch (CryptographicException ex)
        {
            return $"certificatePem is not a certificate: {ex.Message}";
        }

        using (certificate)
        {
            using var certified = certificate.GetECDsaPublicKey();
            if (certified is null || !certified.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                return "it does not certify the key this device generated for the request";
            }

            if (certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false) != deviceId)
            {
                return $"it names '{certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)}', not this device '{deviceId}'";
            }

            if (!string.Equals(certificate.SerialNumber, issued.Serial, StringComparison.OrdinalIgnoreCase))
            {
                return $"its serial {certificate.SerialNumber} is not the one announced ({issued.Serial})";
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthenticationOid));
            if (!chain.Build(certificate))
            {
                return "it does not chain to the fleet CA for client authentication at this time: "
                    + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            }
        }

        return null;
    }
}
