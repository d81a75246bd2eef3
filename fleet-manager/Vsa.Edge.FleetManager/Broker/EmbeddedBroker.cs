using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// Hosts the MQTTnet broker when <see cref="BrokerOptions.Mode"/> is <see cref="BrokerMode.Embedded"/> (and does nothing
/// otherwise). Registered before the ingestion service, so the host starts it first and stops it last.
/// </summary>
public sealed partial class EmbeddedBroker(IOptions<BrokerOptions> options, ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<EmbeddedBroker>();
    private MqttServer? _server;

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
        var serverOptions = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(settings.Port)
            // Sessions survive a client reconnect, so the ingestion client's QoS 1 backlog is kept while it reconnects.
            .WithPersistentSessions(true)
            .Build();

        // MQTTnet listens on IPv4 and IPv6 by default; listen only on the family of the configured address so that
        // 127.0.0.1 really means "loopback only".
        var ipv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        serverOptions.DefaultEndpointOptions.BoundInterNetworkAddress = ipv6 ? IPAddress.None : address;
        serverOptions.DefaultEndpointOptions.BoundInterNetworkV6Address = ipv6 ? address : IPAddress.None;

        var server = new MqttServerFactory().CreateMqttServer(serverOptions, new MqttNetLoggerAdapter(loggerFactory.CreateLogger("MQTTnet.Server")));
        server.ValidatingConnectionAsync += AssignMissingClientId;
        try
        {
            await server.StartAsync();
        }
        catch (SocketException ex)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"The embedded MQTT broker cannot listen on {settings.BindAddress}:{settings.Port} ({ex.SocketErrorCode}). " +
                $"Set {BrokerOptions.SectionName}:Port to a free port, or use {BrokerOptions.SectionName}:Mode=External.", ex);
        }

        _server = server;
        LogStarted(_logger, settings.BindAddress, settings.Port);
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
    private static Task AssignMissingClientId(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.ClientId) && e.CleanSession == true)
        {
            e.AssignedClientIdentifier = $"auto-{Guid.NewGuid():N}";
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port}")]
    private static partial void LogStarted(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Embedded MQTT broker stopped")]
    private static partial void LogStopped(ILogger logger);
}
