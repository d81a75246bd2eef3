using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// An MQTT channel that reads its connection in large blocks and gathers its writes. MQTTnet's client reads each packet with
/// separate small reads (the fixed header, each further byte of the remaining length, then the body) straight from the
/// socket when there is no TLS: three <c>recv</c> calls per alert, 16 % of the fleet's processor time during a burst in the
/// profile. Here one <c>recv</c> takes whatever the kernel holds (up to <see cref="BufferBytes"/>: a hundred alerts or more
/// during a burst) and MQTTnet's small reads are served from it (plain TCP only: TLS buffers already).
/// <para>
/// Writes: the writer hands the PUBACKs of a whole batch to the client at once, and MQTTnet wrote each with its own
/// <c>send</c> (a TLS record each with TLS), which the broker then read one by one: a system call on each side per alert.
/// Here a write is copied into a pending block and returns; one flush at a time sends whatever is pending in one write
/// (under load, every PUBACK of a batch), in order. A write is "sent" once handed to the kernel in both cases; if the
/// connection breaks first, the next write and the read loop fail as before, and the broker redelivers what was not
/// acknowledged (stored already: counted as a duplicate). A disconnection sends what is pending first. At most
/// <see cref="MaxPendingBytes"/> wait: beyond that a write waits for the flush (back-pressure, as a socket write would).
/// </para>
/// </summary>
internal sealed class BufferedChannel(IMqttChannel inner, bool bufferReads) : IMqttChannel
{
    /// <summary>The read block, in bytes.</summary>
    public const int BufferBytes = 64 * 1024;

    /// <summary>Bytes written but not yet sent beyond which a write waits for the flush.</summary>
    public const int MaxPendingBytes = 1024 * 1024;

    private readonly byte[] _buffer = new byte[BufferBytes];
    private readonly Lock _writeGate = new();
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _sending = new(4096);
    private Task _flushing = Task.CompletedTask;
    private bool _flushScheduled;
    private Exception? _writeFailure;
    private int _start;
    private int _end;

    /// <summary>Writes handed to the inner channel (each one <c>send</c>, or one TLS record).</summary>
    public long InnerWrites { get; private set; }

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
    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        // What MQTTnet wrote before disconnecting (its DISCONNECT packet) goes out first, within MQTTnet's time for it: a peer
        // that stopped reading does not hold the disconnection (disposing the channel then ends the write).
        try
        {
            await FlushedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: disconnect anyway.
        }

        await inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (!bufferReads)
        {
            return inner.ReadAsync(buffer, offset, count, cancellationToken);
        }

        if (_start < _end)
        {
            return Task.FromResult(Take(buffer, offset, count));
        }

        // A large body goes straight into MQTTnet's buffer, not through ours.
        return count >= BufferBytes ? inner.ReadAsync(buffer, offset, count, cancellationToken) : FillAndTakeAsync(buffer, offset, count, cancellationToken);
    }

    /// <inheritdoc />
    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        Task? full = null;
        lock (_writeGate)
        {
            if (_writeFailure is { } failure)
            {
                return Task.FromException(new MqttCommunicationException(failure));
            }

            // Copied: MQTTnet reuses its buffer as soon as this returns.
            foreach (var segment in buffer)
            {
                _pending.Write(segment.Span);
            }

            if (!_flushScheduled)
            {
                _flushScheduled = true;
                _flushing = Task.Run(FlushLoopAsync, CancellationToken.None);
            }

            if (_pending.WrittenCount > MaxPendingBytes)
            {
                full = _flushing;
            }
        }

        return full?.WaitAsync(cancellationToken) ?? Task.CompletedTask;
    }

    /// <summary>Completes once what was written so far was handed to the inner channel (or its write failed).</summary>
    public Task FlushedAsync()
    {
        lock (_writeGate)
        {
            return _flushing;
        }
    }

    /// <inheritdoc />
    public void Dispose() => inner.Dispose();

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            lock (_writeGate)
            {
                if (_pending.WrittenCount == 0)
                {
                    _flushScheduled = false;
                    return;
                }

                (_pending, _sending) = (_sending, _pending);
            }

            try
            {
                InnerWrites++;
                await inner.WriteAsync(new ReadOnlySequence<byte>(_sending.WrittenMemory), isEndOfPacket: true, CancellationToken.None).ConfigureAwait(false);
                _sending.ResetWrittenCount();
            }
            catch (Exception ex)
            {
                // The connection is broken: later writes fail with this, and the read loop sees it too.
                lock (_writeGate)
                {
                    _writeFailure = ex;
                    _pending.ResetWrittenCount();
                    _flushScheduled = false;
                }

                return;
            }
        }
    }

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
/// MQTTnet's own client adapter factory (MqttClientAdapterFactory, same settings), with a TCP connection (plain or TLS) whose
/// writes are gathered and, without TLS, whose reads are buffered (<see cref="BufferedChannel"/>). WebSockets are MQTTnet's
/// as they are.
/// </summary>
internal sealed class BufferedClientAdapterFactory : IMqttClientAdapterFactory
{
    private readonly MqttClientAdapterFactory _default = new();

    /// <inheritdoc />
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is not MqttClientTcpOptions tcp)
        {
            return _default.CreateClientAdapter(options, packetInspector, logger);
        }

        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        var channel = new BufferedChannel(new MqttTcpChannel(options), bufferReads: tcp.TlsOptions?.UseTls != true);
        return new MqttChannelAdapter(channel, formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }
}
