using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// An MQTT channel that follows the framing of what it reads (fixed header, remaining length, body) and ends the connection
/// when a packet announces more than the limit: the read that completes the oversized remaining length closes the inner
/// channel and reports the end of the stream, so MQTTnet's channel adapter never learns the length and never allocates the
/// body. MQTT's remaining length is at most four bytes (MQTT 5 §1.5.5); a fifth is a protocol error and ends it too. The
/// first packet (the CONNECT) has a limit of its own, <paramref name="maxFirstPacketSize"/>, and
/// <see cref="TryAbortBeforeFirstPacket"/> ends a connection whose first packet is not complete yet (the CONNECT deadline).
/// </summary>
/// <param name="inner">The connection's channel.</param>
/// <param name="maxPacketSize">The largest packet, fixed header included.</param>
/// <param name="refused">Told the announced size (-1: malformed length) and the limit it broke, when a packet ends the connection.</param>
/// <param name="maxFirstPacketSize">The largest first packet (at most <paramref name="maxPacketSize"/> applies anyway).</param>
public sealed class PacketSizeGuard(IMqttChannel inner, int maxPacketSize, Action<long, int> refused, int maxFirstPacketSize = int.MaxValue) : IMqttChannel
{
    private const int FirstPending = 0;
    private const int FirstRead = 1;
    private const int Aborted = 2;

    private State _state = State.Header;
    private int _lengthBytes;
    private long _length;
    private long _bodyLeft;
    private bool _first = true;
    private int _firstPacket = FirstPending;
    private volatile bool _closed;

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
            refused(announced.Size, announced.Limit);
            await inner.DisconnectAsync(CancellationToken.None).ConfigureAwait(false);
            return 0;
        }

        return _closed ? 0 : read;
    }

    /// <summary>
    /// Ends the connection unless its first packet was read whole: closes the inner channel (a pending read ends) and reports
    /// the end of the stream from then on. True when it ended it; false when the first packet was already complete.
    /// </summary>
    public bool TryAbortBeforeFirstPacket()
    {
        if (Interlocked.CompareExchange(ref _firstPacket, Aborted, FirstPending) != FirstPending)
        {
            return false;
        }

        _closed = true;
        inner.Dispose();
        return true;
    }

    /// <inheritdoc />
    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    /// <summary>Follows the framing over <paramref name="bytes"/>; the announced packet size when it is over its limit (or malformed: -1).</summary>
    private (long Size, int Limit)? Inspect(ReadOnlySpan<byte> bytes)
    {
        var limit = _first ? Math.Min(maxPacketSize, maxFirstPacketSize) : maxPacketSize;
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
                            return (-1, limit);
                        }

                        break;
                    }

                    var size = 1 + _lengthBytes + _length;
                    if (size > limit)
                    {
                        return (size, limit);
                    }

                    (_state, _bodyLeft) = _length == 0 ? (State.Header, 0) : (State.Body, _length);
                    if (_state == State.Header)
                    {
                        limit = EndOfPacket();
                    }

                    break;
                default:
                    var take = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    i += take;
                    _bodyLeft -= take;
                    if (_bodyLeft == 0)
                    {
                        _state = State.Header;
                        limit = EndOfPacket();
                    }

                    break;
            }
        }

        return null;
    }

    /// <summary>A packet was read whole: the first one ends the CONNECT deadline. The limit of the packets that follow.</summary>
    private int EndOfPacket()
    {
        if (_first)
        {
            _first = false;
            Interlocked.CompareExchange(ref _firstPacket, FirstRead, FirstPending);
        }

        return maxPacketSize;
    }
}
