using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>One TCP endpoint of the embedded broker.</summary>
/// <param name="EndPoint">Address and port.</param>
/// <param name="Tls">Mutual TLS (the fleet CA's client certificates) or plain MQTT.</param>
public sealed record BrokerListener(IPEndPoint EndPoint, bool Tls);

/// <summary>
/// The embedded broker's TCP endpoints, in place of MQTTnet's own adapter, for one reason: MQTTnet's server has no maximum
/// packet size, and its channel adapter allocates the whole body of a packet as soon as it has read the length from the fixed
/// header (a client announcing 256 MB gets 256 MB allocated before it sent a byte of it). Here every connection's bytes
/// pass through a <see cref="PacketSizeGuard"/> that closes the connection when a packet announces more than
/// <see cref="BrokerOptions.MaxPacketSize"/>, before MQTTnet sees the length. The rest is what MQTTnet's listener does:
/// accept, TLS 1.2+ with a required client certificate on the TLS endpoint (with a handshake deadline), then hand the
/// connection to the server. Being the one that accepts, it also bounds what a client may hold open without having
/// connected: a complete CONNECT within <see cref="BrokerOptions.ConnectTimeout"/> and at most
/// <see cref="BrokerOptions.MaxConnectPacketSize"/>, <see cref="BrokerOptions.MaxConnectionsPerCertificate"/> connections per
/// client certificate, <see cref="BrokerOptions.MaxConnections"/> in all (docs/trust.md).
/// </summary>
public sealed partial class BrokerTcpAdapter(
    IReadOnlyList<BrokerListener> listeners,
    X509Certificate2 serverCertificate,
    RemoteCertificateValidationCallback validateClientCertificate,
    BrokerOptions settings,
    TimeProvider timeProvider,
    ILogger logger) : IMqttServerAdapter
{
    /// <summary>How long a client has to complete its TLS handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly BrokerConnectionLimits _limits = new(settings.MaxConnections, settings.MaxConnectionsPerCertificate);
    private readonly CancellationTokenSource _stopping = new();
    private int _full;
    private readonly List<Socket> _sockets = [];
    private MqttServerOptions? _options;
    private IMqttNetLogger? _mqttLogger;

    /// <summary>The connections held now, all together and per client certificate.</summary>
    public BrokerConnectionLimits Connections => _limits;

    /// <inheritdoc />
    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <inheritdoc />
    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options;
        _mqttLogger = logger;
        foreach (var listener in listeners)
        {
            var socket = new Socket(listener.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                // A restarted fleet binds again at once despite the previous run's connections in TIME_WAIT (on Linux this
                // never lets two listeners share the port: a port really in use still fails the start).
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (listener.EndPoint.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    // "::" means every IPv6 address, not IPv4 as well.
                    socket.DualMode = false;
                }

                socket.Bind(listener.EndPoint);
                socket.Listen(options.DefaultEndpointOptions.ConnectionBacklog);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            _sockets.Add(socket);
            _ = AcceptAsync(socket, listener, _stopping.Token);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        _stopping.Dispose();
    }

    private void Stop()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }

        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }

    private async Task AcceptAsync(Socket socket, BrokerListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException
                || ex is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                return;
            }
            catch (SocketException ex)
            {
                // A failed accept (the client went away during it) ends that connection, never the listener.
                LogAcceptFailed(logger, listener.EndPoint, ex.SocketErrorCode);
                continue;
            }

            if (!_limits.TryOpen())
            {
                // Logged once each time the broker becomes full, not once per refused connection.
                if (Interlocked.Exchange(ref _full, 1) == 0)
                {
                    LogFull(logger, settings.MaxConnections);
                }

                client.Dispose();
                continue;
            }

            Volatile.Write(ref _full, 0);
            client.NoDelay = true;
            _ = Task.Run(() => ServeAsync(client, listener, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, BrokerListener listener, CancellationToken cancellationToken)
    {
        var remote = socket.RemoteEndPoint;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        string? certificateSlot = null;
        try
        {
            X509Certificate2? clientCertificate = null;
            if (listener.Tls)
            {
                // The certificate's slot is taken during the handshake: a certificate over its count fails the handshake.
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, (sender, certificate, chain, errors) =>
                    validateClientCertificate(sender, certificate, chain, errors) && TakeCertificateSlot(certificate!, remote, ref certificateSlot));
                stream = tls;
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(HandshakeTimeout);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateRequired = true,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                }, deadline.Token);
                clientCertificate = tls.RemoteCertificate switch
                {
                    X509Certificate2 certificate => certificate,
                    { } other => X509CertificateLoader.LoadCertificate(other.GetRawCertData()),
                    null => null,
                };
            }

            if (ClientHandler is not { } handler || _options is null)
            {
                return;
            }

            // MqttTcpChannel reports IsSecureConnection from the stream it is given (an SslStream): the guard wraps the
            // channel, not the stream, so that it reads the decrypted MQTT bytes and the TLS identity stays visible.
            var channel = new PacketSizeGuard(
                new MqttTcpChannel(stream, listener.EndPoint, remote, clientCertificate),
                settings.MaxPacketSize,
                (size, limit) => LogPacketTooLarge(logger, remote, size, limit),
                BrokerOptions.MaxConnectPacketSize);

            // MQTTnet waits 100 s (its communication timeout) for the CONNECT: far too long for a connection that costs memory.
            var connectTimeout = settings.ConnectTimeout;
            using var connectDeadline = timeProvider.CreateTimer(
                _ =>
                {
                    if (channel.TryAbortBeforeFirstPacket())
                    {
                        LogConnectTimeout(logger, remote, connectTimeout);
                    }
                },
                null,
                connectTimeout,
                Timeout.InfiniteTimeSpan);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_options.WriterBufferSize, _options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, _mqttLogger);
            await handler(adapter);
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // A client that fails its handshake or goes away is that client's business; the broker serves the others.
            LogConnectionFailed(logger, remote, listener.Tls, ex.Message);
        }
        finally
        {
            await stream.DisposeAsync();
            if (certificateSlot is not null)
            {
                _limits.CloseWith(certificateSlot);
            }

            _limits.Close();
        }
    }

    /// <summary>
    /// During the handshake, once the certificate was verified: a slot of its connections (by SHA-256 thumbprint), unless it
    /// holds <see cref="BrokerOptions.MaxConnectionsPerCertificate"/> already. The fleet's own service certificate is not counted.
    /// </summary>
    private bool TakeCertificateSlot(X509Certificate certificate, EndPoint? remote, ref string? slot)
    {
        if (slot is not null)
        {
            return true;
        }

        var x509 = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var name = x509.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (name == TrustOptions.ServiceIdentity)
        {
            return true;
        }

        var key = BrokerConnectionLimits.KeyOf(x509);
        if (!_limits.TryOpenWith(key))
        {
            LogTooManyPerCertificate(logger, remote, name, settings.MaxConnectionsPerCertificate);
            return false;
        }

        slot = key;
        return true;
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "MQTT client {Remote} announced a packet of {Size} bytes, more than the {Limit} allowed: connection closed")]
    private static partial void LogPacketTooLarge(ILogger logger, EndPoint? remote, long size, int limit);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Debug, Message = "MQTT connection from {Remote} (TLS: {Tls}) ended: {Reason}")]
    private static partial void LogConnectionFailed(ILogger logger, EndPoint? remote, bool tls, string reason);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Warning, Message = "MQTT client {Remote} sent no complete CONNECT within {Timeout}: connection closed")]
    private static partial void LogConnectTimeout(ILogger logger, EndPoint? remote, TimeSpan timeout);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Warning, Message = "MQTT client {Remote} refused at TLS: certificate of '{Name}' already holds {Limit} connections")]
    private static partial void LogTooManyPerCertificate(ILogger logger, EndPoint? remote, string name, int limit);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Warning, Message = "The embedded MQTT broker holds {Limit} connections: new connections are closed at once until some end")]
    private static partial void LogFull(ILogger logger, int limit);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "Accepting an MQTT connection on {EndPoint} failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endPoint, SocketError error);
}
