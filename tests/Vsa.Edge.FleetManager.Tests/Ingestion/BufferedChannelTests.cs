using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Exceptions;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

public sealed class BufferedChannelTests
{
    [Fact]
    public async Task ReadAsync_SmallReadsOverTwoChunks_SameBytesInOrderWithOneInnerReadPerChunk()
    {
        // Two packets' worth in one chunk, the rest of the second in the next: MQTTnet's reads (2-byte header, 1 length byte, body).
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var inner = new ChunkedChannel([bytes[..700], bytes[700..]]);
        using var channel = new BufferedChannel(inner, bufferReads: true);

        var read = new List<byte>();
        foreach (var size in new[] { 2, 1, 300, 2, 1, 500, 194 })
        {
            var target = new byte[size];
            var filled = 0;
            while (filled < size)
            {
                var n = await channel.ReadAsync(target, filled, size - filled, CancellationToken.None);
                Assert.True(n > 0);
                filled += n;
            }

            read.AddRange(target);
        }

        Assert.Equal(bytes, read);
        Assert.Equal(2, inner.Reads);
        Assert.Equal(0, await channel.ReadAsync(new byte[4], 0, 4, CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_LargerThanBuffer_GoesStraightToInner()
    {
        var bytes = new byte[BufferedChannel.BufferBytes + 10];
        bytes[^1] = 42;
        var inner = new ChunkedChannel([bytes]);
        using var channel = new BufferedChannel(inner, bufferReads: true);

        var target = new byte[bytes.Length];
        Assert.Equal(bytes.Length, await channel.ReadAsync(target, 0, target.Length, CancellationToken.None));
        Assert.Equal(42, target[^1]);
    }

    [Fact]
    public async Task WriteAsync_BurstWhileAWriteIsInFlight_SentInOrderInOneInnerWrite_SourceBufferReusable()
    {
        var inner = new RecordingChannel();
        using var channel = new BufferedChannel(inner, bufferReads: false);

        // MQTTnet reuses its buffer once a write returns: one array, rewritten for every packet.
        var packet = new byte[4];
        var expected = new List<byte>();
        for (var i = 0; i < 100; i++)
        {
            packet[0] = 0x40;
            packet[1] = 2;
            (packet[2], packet[3]) = ((byte)(i >> 8), (byte)i);
            expected.AddRange(packet);
            await channel.WriteAsync(new ReadOnlySequence<byte>(packet), isEndOfPacket: true, CancellationToken.None);
            if (i == 0)
            {
                // The first packet is being sent (held by the test): the other 99 gather meanwhile.
                await inner.FirstWriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
        }

        inner.Release.SetResult();
        await channel.FlushedAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(expected, inner.Sent);
        Assert.Equal(2, channel.InnerWrites);
        Assert.Equal([4, 396], inner.WriteSizes);
    }

    [Fact]
    public async Task WriteAsync_InnerWriteFailed_LaterWritesThrow_DisconnectStillReachesInner()
    {
        var inner = new RecordingChannel { Failure = new IOException("connection reset") };
        inner.Release.SetResult();
        using var channel = new BufferedChannel(inner, bufferReads: false);

        await channel.WriteAsync(new ReadOnlySequence<byte>(new byte[] { 0x40, 2, 0, 1 }), isEndOfPacket: true, CancellationToken.None);
        await channel.FlushedAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var thrown = await Assert.ThrowsAsync<MqttCommunicationException>(() => channel.WriteAsync(new ReadOnlySequence<byte>(new byte[] { 0xC0, 0 }), true, CancellationToken.None));
        Assert.IsType<IOException>(thrown.InnerException);
        await channel.DisconnectAsync(CancellationToken.None);
        Assert.True(inner.Disconnected);
    }

    [Fact]
    public async Task DisconnectAsync_PendingWritesGoOutFirst()
    {
        var inner = new RecordingChannel();
        using var channel = new BufferedChannel(inner, bufferReads: false);
        await channel.WriteAsync(new ReadOnlySequence<byte>(new byte[] { 0x40, 2, 0, 1 }), isEndOfPacket: true, CancellationToken.None);
        await inner.FirstWriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await channel.WriteAsync(new ReadOnlySequence<byte>(new byte[] { 0xE0, 0 }), isEndOfPacket: true, CancellationToken.None);

        var disconnecting = channel.DisconnectAsync(CancellationToken.None);
        Assert.False(inner.Disconnected);
        inner.Release.SetResult();
        await disconnecting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new byte[] { 0x40, 2, 0, 1, 0xE0, 0 }, inner.Sent);
        Assert.True(inner.DisconnectedAfterWrites);
    }

    /// <summary>Records what is written; the first write waits for <see cref="Release"/>; <see cref="Failure"/> fails every write.</summary>
    private sealed class RecordingChannel : IMqttChannel
    {
        public TaskCompletionSource FirstWriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Exception? Failure { get; init; }

        public List<byte> Sent { get; } = [];

        public List<int> WriteSizes { get; } = [];

        public bool Disconnected { get; private set; }

        public bool DisconnectedAfterWrites { get; private set; }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 2);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken)
        {
            Disconnected = true;
            DisconnectedAfterWrites = Sent.Count > 0;
            return Task.CompletedTask;
        }

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(0);

        public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            FirstWriteStarted.TrySetResult();
            await Release.Task;
            if (Failure is not null)
            {
                throw Failure;
            }

            Sent.AddRange(buffer.ToArray());
            WriteSizes.Add((int)buffer.Length);
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Returns its chunks one per read (at most what is asked), then 0 (closed).</summary>
    private sealed class ChunkedChannel(IReadOnlyList<byte[]> chunks) : IMqttChannel
    {
        private int _chunk;
        private int _offset;

        public int Reads { get; private set; }

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 2);

        public bool IsSecureConnection => false;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Reads++;
            if (_chunk == chunks.Count)
            {
                return Task.FromResult(0);
            }

            var chunk = chunks[_chunk];
            var n = Math.Min(count, chunk.Length - _offset);
            Buffer.BlockCopy(chunk, _offset, buffer, offset, n);
            _offset += n;
            if (_offset == chunk.Length)
            {
                (_chunk, _offset) = (_chunk + 1, 0);
            }

            return Task.FromResult(n);
        }

        public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
