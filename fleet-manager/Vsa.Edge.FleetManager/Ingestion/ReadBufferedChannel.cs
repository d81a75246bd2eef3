using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// An MQTT channel that reads its connection in large blocks. MQTTnet's client reads each packet with separate small reads
/// (the fixed header, each further byte of the remaining length, then the body) straight from the socket when there is no
/// TLS: three <c>recv</c> calls per alert, 16 % of the fleet's processor time during a burst in the profile. Here one
/// <c>recv</c> takes whatever the kernel holds (up to <see cref="BufferBytes"/>: a hundred alerts or more during a burst) and
/// MQTTnet's small reads are served from it. Writes go straight through; nothing else changes.
/// </summary>
internal sealed class ReadBufferedChannel(IMqttChannel inner) : IMqttChannel
{
    /// <summary>The read block, in bytes.</summary>
    public const int BufferBytes = 64 * 1024;

    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    /// <inheritdoc />
    public X509Certificate2 ClientCertificate => inner.ClientCertificate;

    /// <inheritdoc />
    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

    /// <inheritdoc />
    public EndPoint LocalEndPoint => inner.LocalEndPoint;

    /// <inheritdoc />
    public bool IsSecureConnection => inner.IsSecureConnection;

    /// <inheritdoc />
    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    /// <inheritdoc />
    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    /// <inheritdoc />
    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_start < _end)
        {
            return Task.FromResult(Take(buffer, offset, count));
        }

        // A large body goes straight into MQTTnet's buffer, not through ours.
        return count >= BufferBytes ? inner.ReadAsync(buffer, offset, count, cancellationToken) : FillAndTakeAsync(buffer, offset, count, cancellationToken);
    }

    /// <inheritdoc />
    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    private async Task<int> FillAndTakeAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(_buffer, 0, _buffer.Length, cancellationToken).ConfigureAwait(false);
        if (read <= 0)
        {
            // The connection closed: MQTTnet sees it as it would have.
            return read;
        }

        (_start, _end) = (0, read);
        return Take(buffer, offset, count);
    }

    private int Take(byte[] buffer, int offset, int count)
    {
        var taken = Math.Min(count, _end - _start);
        Buffer.BlockCopy(_buffer, _start, buffer, offset, taken);
        _start += taken;
        return taken;
    }
}

/// <summary>
/// MQTTnet's own client adapter factory (MqttClientAdapterFactory, same settings), with a plain TCP connection read through a
/// <see cref="ReadBufferedChannel"/>. TLS connections (the SslStream buffers already) and WebSockets are MQTTnet's as they are.
/// </summary>
internal sealed class ReadBufferedClientAdapterFactory : IMqttClientAdapterFactory
{
    private readonly MqttClientAdapterFactory _default = new();

    /// <inheritdoc />
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is not MqttClientTcpOptions tcp || tcp.TlsOptions?.UseTls == true)
        {
            return _default.CreateClientAdapter(options, packetInspector, logger);
        }

        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(new ReadBufferedChannel(new MqttTcpChannel(options)), formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }
}
