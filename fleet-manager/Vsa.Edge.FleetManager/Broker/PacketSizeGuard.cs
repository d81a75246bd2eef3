using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// An MQTT channel that follows the framing of what it reads (fixed header, remaining length, body) and ends the connection
/// when a packet announces more than the limit: the read that completes the oversized remaining length closes the inner
/// channel and reports the end of the stream, so MQTTnet's channel adapter never learns the length and never allocates the
/// body. MQTT's remaining length is at most four bytes (MQTT 5 §1.5.5); a fifth is a protocol error and ends it too.
/// </summary>
public sealed class PacketSizeGuard(IMqttChannel inner, int maxPacketSize, Action<long> refused) : IMqttChannel
{
    private State _state = State.Header;
    private int _lengthBytes;
    private long _length;
    private long _bodyLeft;
    private bool _closed;

    private enum State
    {
        Header,
        Length,
        Body,
    }

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
    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_closed)
        {
            return 0;
        }

        var read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        if (read > 0 && Inspect(buffer.AsSpan(offset, read)) is { } announced)
        {
            _closed = true;
            refused(announced);
            await inner.DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        }

        return read;
    }

    /// <inheritdoc />
    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    /// <summary>Follows the framing over <paramref name="bytes"/>; the announced packet size when it is over the limit (or malformed: -1).</summary>
    private long? Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.Header:
                    i++;
                    (_state, _lengthBytes, _length) = (State.Length, 0, 0);
                    break;
                case State.Length:
                    var b = bytes[i++];
                    _length |= (long)(b & 0x7F) << (7 * _lengthBytes);
                    _lengthBytes++;
                    if ((b & 0x80) != 0)
                    {
                        if (_lengthBytes == 4)
                        {
                            return -1;
                        }

                        break;
                    }

                    var size = 1 + _lengthBytes + _length;
                    if (size > maxPacketSize)
                    {
                        return size;
                    }

                    (_state, _bodyLeft) = _length == 0 ? (State.Header, 0) : (State.Body, _length);
                    break;
                default:
                    var take = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    i += take;
                    _bodyLeft -= take;
                    if (_bodyLeft == 0)
                    {
                        _state = State.Header;
                    }

                    break;
            }
        }

        return null;
    }
}
