using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Implementations;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;

namespace Vsa.Edge.FleetManager.Tests.Broker;

/// <summary>
/// The embedded broker's maximum packet size: a client announcing a larger packet is disconnected once the length is read,
/// before any of the payload is buffered, and the fleet goes on serving the others.
/// </summary>
public sealed class PacketSizeTests
{
    [Fact]
    public async Task OversizedPublish_PlainBench_ClosedRightAfterTheFixedHeader_FleetKeepsServing()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await socket.ConnectAsync("127.0.0.1", fleet.BrokerPort, guard.Token);
        // Another client id than the device's below: a reconnection under the same id would race MQTTnet's clean-up of the
        // closed session (a takeover), which is not what this test is about.
        await socket.SendAsync(Connect311("pole-13"), guard.Token);
        var connack = new byte[4];
        Assert.Equal(4, await socket.ReceiveAsync(connack, guard.Token));

        // PUBLISH QoS 0 announcing 100 MiB; not one byte of the payload is sent: the broker must not wait for it.
        byte[] header = [0x30, .. RemainingLength(100 * 1024 * 1024)];
        await socket.SendAsync(header, guard.Token);
        var closed = await ReadsEndAsync(socket, guard.Token);

        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var alert = Samples.AlertStart("pole-12");
        await device.PublishAsync(alert);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, connack);
        Assert.True(closed);
        Assert.Equal("pole-12", (await fleet.WaitForAlertAsync(alert.AlertId)).DeviceId);
    }

    [Fact]
    public async Task OversizedPublish_EnrolledDeviceOverTls_Disconnected_UnderTheLimitAccepted()
    {
        await using var fleet = await FleetApp.StartAsync(new Dictionary<string, string?>(FleetApp.SecureDefaults) { ["Fleet:Broker:MaxPacketSize"] = "65536" });
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var (client, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };

        var underLimit = await PublishAsync(client, 60_000);
        await Assert.ThrowsAnyAsync<Exception>(() => PublishAsync(client, 70_000));
        await disconnected.Task.WaitAsync(FleetApp.Timeout);

        var (again, _) = await device.ConnectAsync(fleet.TlsPort);
        using var _again = again;
        var alert = Samples.AlertStart("pole-12");
        await TrustedDevice.PublishAsync(again, Topics.Alerts("pole-12"), alert);
        Assert.Equal(MqttClientPublishReasonCode.Success, underLimit.ReasonCode);
        Assert.Equal("pole-12", (await fleet.WaitForAlertAsync(alert.AlertId)).DeviceId);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Guard_PacketsWithinTheLimitPassOversizedOneEndsTheStream(int chunk)
    {
        // Two packets of 1,000 and 0 remaining bytes, then one announcing 2,000 (limit 1,500), then bytes never reached.
        byte[] bytes = [0x30, .. RemainingLength(1000), .. new byte[1000], 0xC0, 0x00, 0x30, .. RemainingLength(2000), .. new byte[50]];
        var refused = new List<long>();
        using var guard = new PacketSizeGuard(new MqttTcpChannel(new MemoryStream(bytes), null, null, null), 1500, (size, _) => refused.Add(size));

        var passed = 0;
        var buffer = new byte[chunk];
        int read;
        while ((read = await guard.ReadAsync(buffer, 0, chunk, CancellationToken.None)) > 0)
        {
            passed += read;
        }

        // Every read before the one holding the oversized packet's last length byte (byte 1,007) passes; that one does not.
        Assert.Equal(1 + 2 + 2000, refused.Single());
        Assert.Equal(1007 / chunk * chunk, passed);
    }

    [Fact]
    public async Task Guard_FiveByteRemainingLength_EndsTheStream()
    {
        byte[] bytes = [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
        var refused = new List<long>();
        using var guard = new PacketSizeGuard(new MqttTcpChannel(new MemoryStream(bytes), null, null, null), 1500, (size, _) => refused.Add(size));

        var read = await guard.ReadAsync(new byte[16], 0, 16, CancellationToken.None);

        Assert.Equal(0, read);
        Assert.Equal([-1L], refused);
    }

    [Fact]
    public async Task Guard_FirstPacketOverItsOwnLimit_EndsTheStream_LaterPacketsHaveTheGeneralOne()
    {
        // Limits: 1,000 for the first packet (the CONNECT), 30,000 after it.
        byte[] connect = [0x10, .. RemainingLength(900), .. new byte[900]];
        byte[] accepted = [.. connect, 0x30, .. RemainingLength(20_000), .. new byte[20_000]];
        byte[] oversizedConnect = [0x10, .. RemainingLength(2000), .. new byte[10]];
        var refused = new List<(long, int)>();

        var passed = await ReadAllAsync(new PacketSizeGuard(new MqttTcpChannel(new MemoryStream(accepted), null, null, null), 30_000, (size, limit) => refused.Add((size, limit)), 1000));
        var cut = await ReadAllAsync(new PacketSizeGuard(new MqttTcpChannel(new MemoryStream(oversizedConnect), null, null, null), 30_000, (size, limit) => refused.Add((size, limit)), 1000));

        Assert.Equal(accepted.Length, passed);
        Assert.Equal(0, cut);
        Assert.Equal([(1 + 2 + 2000L, 1000)], refused);
    }

    [Fact]
    public async Task Guard_AbortBeforeFirstPacket_EndsTheStream_NotOnceTheConnectIsRead()
    {
        byte[] connect = [0x10, .. RemainingLength(10), .. new byte[10], 0xC0, 0x00];
        using var pending = new PacketSizeGuard(new MqttTcpChannel(new MemoryStream(connect), null, null, null), 1500, (_, _) => { });
        using var complete = new PacketSizeGuard(new MqttTcpChannel(new MemoryStream(connect), null, null, null), 1500, (_, _) => { });
        var partial = await pending.ReadAsync(new byte[5], 0, 5, CancellationToken.None);
        var whole = await complete.ReadAsync(new byte[12], 0, 12, CancellationToken.None);

        var abortedPending = pending.TryAbortBeforeFirstPacket();
        var abortedComplete = complete.TryAbortBeforeFirstPacket();

        Assert.Equal((5, 12), (partial, whole));
        Assert.True(abortedPending);
        Assert.False(abortedComplete);
        Assert.Equal(0, await pending.ReadAsync(new byte[16], 0, 16, CancellationToken.None));
        Assert.Equal(2, await complete.ReadAsync(new byte[16], 0, 16, CancellationToken.None));
    }

    private static async Task<int> ReadAllAsync(PacketSizeGuard guard)
    {
        using var _guard = guard;
        var total = 0;
        var buffer = new byte[4096];
        int read;
        while ((read = await guard.ReadAsync(buffer, 0, buffer.Length, CancellationToken.None)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>MQTT's variable-byte integer.</summary>
    internal static byte[] RemainingLength(int value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value % 128);
            value /= 128;
            bytes.Add(value > 0 ? (byte)(b | 0x80) : b);
        }
        while (value > 0);
        return [.. bytes];
    }

    /// <summary>An MQTT 3.1.1 CONNECT with a clean session and the given client id.</summary>
    internal static byte[] Connect311(string clientId)
    {
        var id = System.Text.Encoding.UTF8.GetBytes(clientId);
        byte[] variable = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, (byte)(id.Length >> 8), (byte)id.Length, .. id];
        return [0x10, .. RemainingLength(variable.Length), .. variable];
    }

    /// <summary>Whether the broker ends the connection (end of stream or reset) before the guard expires.</summary>
    private static async Task<bool> ReadsEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            while (await socket.ReceiveAsync(buffer, cancellationToken) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static async Task<MqttClientPublishResult> PublishAsync(IMqttClient client, int size)
    {
        var payload = "{\"pad\":\"" + new string('x', size) + "\"}";
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        return await client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(Topics.Events("pole-12")).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            guard.Token);
    }
}
