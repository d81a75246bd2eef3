using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// Who each client of the embedded broker is, and what it may do. On the mutual-TLS endpoint the TLS handshake accepts only
/// client certificates chained to the fleet CA; at CONNECT the certificate's CN is the identity: the fleet's service
/// identity (every topic), or a device id, whose certificate must be active in the database (not revoked) and whose client id
/// must be that id. A device then publishes and subscribes only under its own subtree. Clients of the plain test-bench
/// endpoint (open only when <see cref="BrokerOptions.RequireClientCertificates"/> is false) are viewers: they subscribe to
/// alerts, health, status and events and publish nothing, unless <see cref="BrokerOptions.BenchDevicesMayPublish"/> lets a
/// client named as a device publish that device's own messages. Nobody but the service identity publishes on a fleet→device
/// topic, and a client the broker cannot place is refused everything (docs/trust.md).
/// </summary>
public sealed partial class BrokerAccessControl(
    FleetCertificateAuthority authority,
    EnrolmentStore store,
    IOptions<BrokerOptions> options,
    ILogger<BrokerAccessControl> logger)
{
    /// <summary>The client-id prefix the agent uses when it has no credentials (<c>vsa-agent-{deviceId}</c>).</summary>
    public const string AgentClientIdPrefix = "vsa-agent-";

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
        ArgumentNullException.ThrowIfNull(e);
        var clientId = e.AssignedClientIdentifier ?? e.ClientId;
        var (identity, refusal) = e.IsSecureConnection ? await IdentifyCertificateAsync(e) : IdentifyBenchClient(clientId);
        if (identity is null)
        {
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            e.ReasonString = refusal;
            LogConnectionRefused(logger, clientId, refusal!);
            return;
        }

        _identities[clientId] = identity;
    }

    /// <summary>
    /// PUBLISH (and the last will, which the broker publishes in the client's name): refused with a not-authorised PUBACK,
    /// and neither delivered nor retained, unless the client may publish there. An MQTT 3.1.1 PUBACK has no reason code (it
    /// could only say "received"), so a 3.1.1 client's refused publish closes its connection instead. A device revoked while connected keeps only
    /// its status topic, so that the last will the broker publishes when it closes the connection still marks it offline.
    /// </summary>
    public Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var topic = e.ApplicationMessage.Topic;
        _identities.TryGetValue(e.ClientId, out var identity);
        var refusal = identity switch
        {
            { Role: ClientRole.Service } => null,
            _ when Topics.IsFleetToDevice(topic) => "only the fleet publishes on fleet-to-device topics",
            null => "unknown client",
            { Role: ClientRole.BenchViewer } => "the plain test-bench endpoint is read-only",
            { Revoked: true, DeviceId: { } id } => topic == Topics.Status(id) ? null : $"device '{id}' is revoked",
            { DeviceId: { } id } => DeviceTopicPolicy.MayPublish(id, topic) ? null : $"device '{id}' may publish only to its own topics",
            _ => "unknown client",
        };

        if (refusal is not null)
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            e.Response.ReasonString = refusal;
            e.CloseConnection = EmbeddedIngestion.HasNoPubAckReasonCode(e.SessionItems);
            LogPublishRefused(logger, e.ClientId, topic, refusal);
        }

        return Task.CompletedTask;
    }

    /// <summary>SUBSCRIBE: a device only to its own fleet→device topics; a bench client only to what a viewer shows.</summary>
    public Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var filter = e.TopicFilter.Topic;
        _identities.TryGetValue(e.ClientId, out var identity);
        var refusal = identity switch
        {
            { Role: ClientRole.Service } => null,
            null => "unknown client",
            { Role: ClientRole.BenchViewer or ClientRole.BenchDevice } => DeviceTopicPolicy.BenchMayView(filter)
                ? null
                : "a test-bench client may subscribe only to vsa/v1/{deviceId or +}/alerts, health, status or events",
            { Revoked: true, DeviceId: { } id } => $"device '{id}' is revoked",
            { DeviceId: { } id } => DeviceTopicPolicy.MaySubscribe(id, filter) ? null : $"device '{id}' may subscribe only to its own desired configuration",
            _ => "unknown client",
        };

        if (refusal is not null)
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            e.ReasonString = refusal;
            LogSubscriptionRefused(logger, e.ClientId, filter, refusal);
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// After a revocation: whatever the device's connection still sends before the broker closes it is refused. Its next
    /// CONNECT is checked against the database again (and refused there while the certificate stays revoked).
    /// </summary>
    public void Revoke(string deviceId) => _identities[deviceId] = new ClientIdentity(ClientRole.Device, deviceId, Revoked: true);

    /// <summary>
    /// The device a plain bench client speaks for when <see cref="BrokerOptions.BenchDevicesMayPublish"/> is on: its client id,
    /// less the agent's <see cref="AgentClientIdPrefix"/>; null when the id cannot be a topic level.
    /// </summary>
    public static string? BenchDeviceOf(string clientId)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        var deviceId = clientId.StartsWith(AgentClientIdPrefix, StringComparison.Ordinal) ? clientId[AgentClientIdPrefix.Length..] : clientId;
        return deviceId.Length == 0 || deviceId.AsSpan().IndexOfAny("/+#") >= 0 ? null : deviceId;
    }

    private (ClientIdentity? Identity, string? Refusal) IdentifyBenchClient(string clientId)
    {
        var settings = options.Value;
        if (!settings.OpensPlainPort)
        {
            return (null, "the plain endpoint is closed");
        }

        // The fleet's own sessions hold its queued alerts: a bench client must not take them over.
        if (FleetClientOptions.ReservedClientIds(settings).Contains(clientId, StringComparer.Ordinal))
        {
            return (null, $"client id '{clientId}' is reserved for the fleet manager");
        }

        return settings.BenchDevicesMayPublish && BenchDeviceOf(clientId) is { } deviceId
            ? (new ClientIdentity(ClientRole.BenchDevice, deviceId), null)
            : (ClientIdentity.BenchViewer, null);
    }

    private async Task<(ClientIdentity? Identity, string? Refusal)> IdentifyCertificateAsync(ValidatingConnectionEventArgs e)
    {
        var certificate = e.ClientCertificate;
        var name = certificate?.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (certificate is null || name is null)
        {
            return (null, "no client certificate");
        }

        if (name == TrustOptions.ServiceIdentity)
        {
            return authority.Verifies(certificate, FleetCertificateAuthority.ClientAuthOid)
                ? (ClientIdentity.Service, null)
                : (null, "service certificate not issued by this fleet");
        }

        if (!DeviceIds.IsValid(name))
        {
            return (null, $"certificate CN '{name}' is not a device id");
        }

        if (!string.Equals(e.ClientId, name, StringComparison.Ordinal))
        {
            return (null, $"client id '{e.ClientId}' is not the certificate's device id '{name}'");
        }

        return await store.IsActiveAsync(name, certificate.SerialNumber, CancellationToken.None)
            ? (new ClientIdentity(ClientRole.Device, name), null)
            : (null, $"certificate {certificate.SerialNumber} of '{name}' is revoked, expired or unknown");
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "TLS client certificate refused: {Subject}")]
    private static partial void LogHandshakeRefused(ILogger logger, string subject);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "MQTT connection of {ClientId} refused: {Reason}")]
    private static partial void LogConnectionRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "Client {ClientId} may not publish to {Topic}: refused ({Reason})")]
    private static partial void LogPublishRefused(ILogger logger, string clientId, string topic, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Client {ClientId} may not subscribe to {Filter}: refused ({Reason})")]
    private static partial void LogSubscriptionRefused(ILogger logger, string clientId, string filter, string reason);
}

/// <summary>What a broker client is.</summary>
public enum ClientRole
{
    /// <summary>The fleet manager itself (certificate CN <c>vsa-fleet.service</c>): every topic.</summary>
    Service,

    /// <summary>An enrolled device over mutual TLS: its own topics.</summary>
    Device,

    /// <summary>A client of the plain test-bench endpoint: reads alerts, health, status and events; publishes nothing.</summary>
    BenchViewer,

    /// <summary>A plain test-bench client named as a device, with <see cref="BrokerOptions.BenchDevicesMayPublish"/>: a viewer that also publishes that device's own messages.</summary>
    BenchDevice,
}

/// <summary>Who a broker client is.</summary>
/// <param name="Role">What it is.</param>
/// <param name="DeviceId">The device it speaks for (<see cref="ClientRole.Device"/>, <see cref="ClientRole.BenchDevice"/>).</param>
/// <param name="Revoked">The device was revoked while connected: everything it still sends is refused.</param>
public sealed record ClientIdentity(ClientRole Role, string? DeviceId = null, bool Revoked = false)
{
    /// <summary>The fleet's service identity.</summary>
    public static readonly ClientIdentity Service = new(ClientRole.Service);

    /// <summary>A read-only client of the plain test-bench endpoint.</summary>
    public static readonly ClientIdentity BenchViewer = new(ClientRole.BenchViewer);
}
