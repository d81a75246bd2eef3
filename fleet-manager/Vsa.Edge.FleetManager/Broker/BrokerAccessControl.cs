using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// Who each client of the embedded broker is, and what it may do. On the mutual-TLS endpoint the TLS handshake accepts only
/// client certificates chained to the fleet CA; at CONNECT the certificate's CN is the identity: the fleet's service
/// identity (every topic), or a device id, whose certificate must be active in the database (not revoked) and whose client id
/// must be that id. A device then publishes and subscribes only under its own subtree. Clients of the plain port (when it is
/// open) are unrestricted, as they were before device trust: that posture is documented in docs/trust.md.
/// </summary>
public sealed partial class BrokerAccessControl(FleetCertificateAuthority authority, EnrolmentStore store, ILogger<BrokerAccessControl> logger)
{
    // Keyed by client id, set at every accepted CONNECT: a new connection with the same id replaces the old one (MQTT takeover).
    private readonly ConcurrentDictionary<string, ClientIdentity> _identities = new(StringComparer.Ordinal);

    /// <summary>TLS handshake: a client certificate issued by the fleet CA for client authentication, valid now.</summary>
    public bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return false;
        }

        var x509 = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var valid = authority.Verifies(x509, FleetCertificateAuthority.ClientAuthOid);
        if (!valid)
        {
            LogHandshakeRefused(logger, x509.Subject);
        }

        return valid;
    }

    /// <summary>CONNECT: identifies the client, or refuses it with <see cref="MqttConnectReasonCode.NotAuthorized"/>.</summary>
    public async Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        if (!e.IsSecureConnection)
        {
            _identities[e.AssignedClientIdentifier ?? e.ClientId] = ClientIdentity.Unrestricted;
            return;
        }

        var certificate = e.ClientCertificate;
        var name = certificate?.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        string? refusal = null;
        ClientIdentity? identity = null;
        if (certificate is null || name is null)
        {
            refusal = "no client certificate";
        }
        else if (name == TrustOptions.ServiceIdentity)
        {
            identity = authority.Verifies(certificate, FleetCertificateAuthority.ClientAuthOid) ? ClientIdentity.Service : null;
            refusal = identity is null ? "service certificate not issued by this fleet" : null;
        }
        else if (!DeviceIds.IsValid(name))
        {
            refusal = $"certificate CN '{name}' is not a device id";
        }
        else if (!string.Equals(e.ClientId, name, StringComparison.Ordinal))
        {
            refusal = $"client id '{e.ClientId}' is not the certificate's device id '{name}'";
        }
        else if (!await store.IsActiveAsync(name, certificate.SerialNumber, CancellationToken.None))
        {
            refusal = $"certificate {certificate.SerialNumber} of '{name}' is revoked, expired or unknown";
        }
        else
        {
            identity = ClientIdentity.Device(name);
        }

        if (identity is null)
        {
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            e.ReasonString = refusal;
            LogConnectionRefused(logger, e.ClientId, refusal!);
            return;
        }

        _identities[e.ClientId] = identity;
    }

    /// <summary>
    /// PUBLISH: a device only under its own subtree; refused with a not-authorised PUBACK, and not delivered. A device revoked
    /// while connected keeps only its status topic, so that the last will the broker publishes when it closes the connection
    /// still marks it offline.
    /// </summary>
    public Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        if (_identities.TryGetValue(e.ClientId, out var identity) && identity.DeviceId is { } deviceId
            && (identity.Revoked ? e.ApplicationMessage.Topic != Topics.Status(deviceId) : !DeviceTopicPolicy.MayPublish(deviceId, e.ApplicationMessage.Topic)))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = $"device '{deviceId}' may publish only to its own topics";
            LogPublishRefused(logger, deviceId, e.ApplicationMessage.Topic);
        }

        return Task.CompletedTask;
    }

    /// <summary>SUBSCRIBE: a device only to its own desired configuration.</summary>
    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (_identities.TryGetValue(e.ClientId, out var identity) && identity.DeviceId is { } deviceId
            && (identity.Revoked || !DeviceTopicPolicy.MaySubscribe(deviceId, e.TopicFilter.Topic)))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            e.ReasonString = $"device '{deviceId}' may subscribe only to its own desired configuration";
            LogSubscriptionRefused(logger, deviceId, e.TopicFilter.Topic);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// After a revocation: whatever the device's connection still sends before the broker closes it is refused. Its next
    /// CONNECT is checked against the database again (and refused there while the certificate stays revoked).
    /// </summary>
    public void Revoke(string deviceId) => _identities[deviceId] = new ClientIdentity(deviceId, Revoked: true);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "TLS client certificate refused: {Subject}")]
    private static partial void LogHandshakeRefused(ILogger logger, string subject);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "MQTT connection of {ClientId} refused: {Reason}")]
    private static partial void LogConnectionRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Device {DeviceId} may not publish to {Topic}: refused")]
    private static partial void LogPublishRefused(ILogger logger, string deviceId, string topic);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Device {DeviceId} may not subscribe to {Filter}: refused")]
    private static partial void LogSubscriptionRefused(ILogger logger, string deviceId, string filter);
}

/// <summary>Who a broker client is.</summary>
/// <param name="DeviceId">The device id of an enrolled device; null for the service and plain-port clients (unrestricted).</param>
/// <param name="Revoked">The device was revoked while connected: everything it still sends is refused.</param>
public sealed record ClientIdentity(string? DeviceId, bool Revoked = false)
{
    /// <summary>The fleet's service identity.</summary>
    public static readonly ClientIdentity Service = new((string?)null);

    /// <summary>A client of the plain port.</summary>
    public static readonly ClientIdentity Unrestricted = new((string?)null);

    /// <summary>An enrolled device.</summary>
    public static ClientIdentity Device(string deviceId) => new(deviceId);
}
