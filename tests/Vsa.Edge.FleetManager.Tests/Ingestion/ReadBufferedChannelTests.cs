using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

public sealed class ReadBufferedChannelTests
{
    [Fact]
    public async Task ReadAsync_SmallReadsOverTwoChunks_SameBytesInOrderWithOneInnerReadPerChunk()
    {
        // Two packets' worth in one chunk, the rest of the second in the next: MQTTnet's reads (2-byte header, 1 length byte, body).
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray();
        var inner = new ChunkedChannel([bytes[..700], bytes[700..]]);
        using var channel = new ReadBufferedChannel(inner);

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
        var bytes = new byte[ReadBufferedChannel.BufferBytes + 10];
        bytes[^1] = 42;
        var inner = new ChunkedChannel([bytes]);
        using var channel = new ReadBufferedChannel(inner);

        var target = new byte[bytes.Length];
        Assert.Equal(bytes.Length, await channel.ReadAsync(target, 0, target.Length, CancellationToken.None));
        Assert.Equal(42, target[^1]);
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
