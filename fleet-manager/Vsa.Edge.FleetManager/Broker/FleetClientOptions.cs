using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// Connection options of the fleet manager's own MQTT clients (the ingestion and the desired-configuration publisher): the
/// same endpoint, credentials and, where the broker requires it, the fleet's service certificate.
/// </summary>
public static class FleetClientOptions
{
    /// <summary>Suffix of the desired-configuration publisher's client id.</summary>
    public const string ConfigPublisherSuffix = "-config";

    /// <summary>Client ids the fleet manager itself uses, which no device may take (it would push the fleet's session off).</summary>
    public static IReadOnlyList<string> ReservedClientIds(BrokerOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return [settings.ClientId, settings.ClientId + ConfigPublisherSuffix, settings.ClientId + Suspensions.SuspensionPublisher.ClientIdSuffix,
            settings.ClientId + Trust.CertificateRenewalService.ClientIdSuffix];
    }

    /// <summary>A builder with the endpoint, client id, keep-alive, credentials and TLS set; the caller sets the session.</summary>
    public static MqttClientOptionsBuilder Builder(BrokerOptions settings, FleetCertificateAuthority authority, string clientId)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(authority);
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer(settings.ConnectHost, settings.ConnectPort)
            .WithClientId(clientId)
            .WithKeepAlivePeriod(settings.KeepAlive);
        if (!string.IsNullOrEmpty(settings.Username))
        {
            builder.WithCredentials(settings.Username, settings.Password);
        }

        if (settings.ConnectsWithTls)
        {
            // The fleet's service identity; the broker's certificate must chain to the fleet CA and name the host.
            builder.WithTlsOptions(tls => tls
                .UseTls()
                .WithClientCertificates([authority.ServiceCertificate])
                .WithCertificateValidationHandler(e => (e.SslPolicyErrors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                    && e.Certificate is X509Certificate2 server
                    && authority.Verifies(server, FleetCertificateAuthority.ServerAuthOid)));
        }

        return builder;
    }
}
