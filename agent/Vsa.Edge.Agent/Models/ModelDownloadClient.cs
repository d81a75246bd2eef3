using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vsa.Edge.Agent.Mqtt;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// The HTTPS client of model downloads: presents the device's own certificate (the fleet serves a package only to the
/// device it is meant for) and accepts only a server certificate issued by the fleet CA, for that host, for server
/// authentication — the same trust as the broker connection (<see cref="DeviceCredentials.Apply"/>).
/// </summary>
public static class ModelDownloadClient
{
    /// <summary>A client for <paramref name="credentials"/> (which must outlive it); headers time out per request (<see cref="ModelDownloader"/>).</summary>
    public static HttpClient Create(DeviceCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        var ca = credentials.Ca;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [credentials.Certificate],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && certificate is not null && IssuedByFleet(certificate, ca),
            },
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static bool IssuedByFleet(X509Certificate certificate, X509Certificate2 ca)
    {
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

        // Every device certificate is issued by the same CA: only one made for server authentication is the fleet's.
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(DeviceCredentials.ServerAuthenticationOid));
        return chain.Build(server);
    }
}
