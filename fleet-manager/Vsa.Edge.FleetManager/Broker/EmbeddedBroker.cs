using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// Hosts the MQTTnet broker when <see cref="BrokerOptions.Mode"/> is <see cref="BrokerMode.Embedded"/> (and does nothing
/// otherwise). Registered before the ingestion service, so the host starts it first and stops it last. The mutual-TLS
/// endpoint for enrolled devices and the fleet's own clients, and, on a test bench only, the plain loopback endpoint
/// (<see cref="BrokerOptions.RequireClientCertificates"/> false); both guarded by <see cref="BrokerAccessControl"/> and
/// limited by <see cref="BrokerTcpAdapter"/> (packet size, CONNECT deadline, connections per certificate and in all).
/// </summary>
public sealed partial class EmbeddedBroker(
    IOptions<BrokerOptions> options,
    FleetCertificateAuthority authority,
    BrokerAccessControl access,
    EmbeddedIngestion ingestion,
    TimeProvider timeProvider,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<EmbeddedBroker>();
    private MqttServer? _server;

    /// <summary>The connections the broker holds, all together and per client certificate (null until it started).</summary>
    public BrokerConnectionLimits? Connections { get; private set; }

    /// <summary>Whether the broker is running (false in external mode).</summary>
    public bool IsRunning => _server?.IsStarted == true;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Mode != BrokerMode.Embedded)
        {
            return;
        }

        var address = IPAddress.Parse(settings.BindAddress);

        // Sessions survive a client reconnect, so the ingestion client's QoS 1 backlog is kept while it reconnects.
        var serverOptions = new MqttServerOptionsBuilder().WithPersistentSessions(true).Build();

        // Our own TCP endpoints (MQTTnet's have no maximum packet size); each listens only on the configured address, so
        // that 127.0.0.1 really means "loopback only".
        List<BrokerListener> listeners = [new(new IPEndPoint(address, settings.TlsPort), Tls: true)];
        if (settings.OpensPlainPort)
        {
            listeners.Add(new(new IPEndPoint(address, settings.Port), Tls: false));
        }

        var adapter = new BrokerTcpAdapter(listeners, authority.ServerCertificate, access.ValidateClientCertificate, settings, timeProvider, _logger);
        var server = new MqttServerFactory().CreateMqttServer(serverOptions, [adapter], new MqttNetLoggerAdapter(loggerFactory.CreateLogger("MQTTnet.Server")));
        server.ValidatingConnectionAsync += e =>
        {
            AssignMissingClientId(e);
            EmbeddedIngestion.RememberProtocol(e);
            return access.ValidateConnectionAsync(e);
        };

        // A device's message is acknowledged only once stored: the PUBACK waits for this interceptor (docs/trust.md).
        server.InterceptingPublishAsync += async e =>
        {
            await access.InterceptPublishAsync(e);
            await ingestion.StoreBeforeAcknowledgingAsync(e);
        };
        server.InterceptingOutboundPacketAsync += EmbeddedIngestion.AcknowledgeStoredAsSuccessAsync;
        server.InterceptingSubscriptionAsync += access.InterceptSubscriptionAsync;
        try
        {
            await server.StartAsync();
        }
        catch (SocketException ex)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"The embedded MQTT broker cannot listen on {settings.BindAddress}:{settings.TlsPort}{(settings.OpensPlainPort ? $" or plain port {settings.Port}" : "")} ({ex.SocketErrorCode}). " +
                $"Set {BrokerOptions.SectionName}:Port and {BrokerOptions.SectionName}:TlsPort to free ports, or use {BrokerOptions.SectionName}:Mode=External.", ex);
        }

        _server = server;
        Connections = adapter.Connections;
        LogStarted(_logger, settings.BindAddress, settings.TlsPort, settings.MaxPacketSize);
        if (settings.OpensPlainPort)
        {
            LogBenchPort(_logger, settings.BindAddress, settings.Port);
        }

        if (settings.BenchDevicesMayPublish)
        {
            LogBenchDevicesPublish(_logger, settings.Port);
        }
    }

    /// <summary>
    /// Closes the live connection of <paramref name="deviceId"/> (after a revocation), refusing whatever it still sends
    /// meanwhile, so that it must connect again, and is refused. False when it was not connected (or the broker is not embedded).
    /// </summary>
    public async Task<bool> DisconnectDeviceAsync(string deviceId)
    {
        access.Revoke(deviceId);
        if (Volatile.Read(ref _server) is not { } server)
        {
            return false;
        }

        var clients = await server.GetClientsAsync();
        if (clients.All(c => c.Id != deviceId))
        {
            return false;
        }

        await server.DisconnectClientAsync(deviceId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = "certificate revoked" });
        return true;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The host may call StopAsync twice at once (WebApplicationFactory does); MQTTnet's stop is not safe to overlap.
        if (Interlocked.Exchange(ref _server, null) is not { } server)
        {
            return;
        }

        await server.StopAsync(new MqttServerStopOptionsBuilder().Build());
        server.Dispose();
        LogStopped(_logger);
    }

    /// <inheritdoc />
    public void Dispose() => Interlocked.Exchange(ref _server, null)?.Dispose();

    /// <summary>
    /// MQTT lets a client with a clean session send an empty client id and have the server assign one (3.1.1 §3.1.3.1, 5.0
    /// §3.1.3.1); mosquitto_pub and mosquitto_sub do exactly that. MQTTnet refuses such clients unless told otherwise.
    /// </summary>
    private static void AssignMissingClientId(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.ClientId) && e.CleanSession == true)
        {
            e.AssignedClientIdentifier = $"auto-{Guid.NewGuid():N}";
        }
    }

    [LoggerMessage(EventId = 12703, Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}: mutual-TLS port {TlsPort}; packets up to {MaxPacketSize} bytes")]
    private static partial void LogStarted(ILogger logger, string address, int tlsPort, int maxPacketSize);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "Test bench: the embedded MQTT broker also listens WITHOUT authentication on {Address}:{Port}, read-only (alerts, health, status, events). Not for production.")]
    private static partial void LogBenchPort(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Test bench: unauthenticated clients of plain port {Port} named as a device may PUBLISH that device's messages (BenchDevicesMayPublish). Not for production.")]
    private static partial void LogBenchDevicesPublish(ILogger logger, int port);

    [LoggerMessage(EventId = 12704, Level = LogLevel.Information, Message = "Embedded MQTT broker stopped")]
    private static partial void LogStopped(ILogger logger);
}
