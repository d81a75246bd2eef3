using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;

namespace Vsa.Edge.FleetManager.Tests.Broker;

/// <summary>
/// What an enrolled device can hold open without having connected, on the real embedded broker over mutual TLS: a complete
/// CONNECT within the deadline and of a few KiB, a few connections per certificate; and an MQTT 3.1.1 client whose publish
/// is refused is disconnected, as its PUBACK cannot say "refused".
/// </summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task SilentConnection_AfterTls_ClosedAtTheConnectDeadline_DeviceStillConnects()
    {
        await using var fleet = await FleetApp.StartAsync(With("Fleet:Broker:ConnectTimeout", "00:00:01"));
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");

        // The red team's pending connection: a CONNECT announced, a byte of it sent, then silence.
        await using var silent = await OpenTlsAsync(fleet.TlsPort, device);
        var waited = Stopwatch.StartNew();
        byte[] started = [0x10, .. PacketSizeTests.RemainingLength(200), 0x00];
        await silent.WriteAsync(started);
        var closed = await ReadsEndAsync(silent);
        waited.Stop();
        var (client, connected) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;

        Assert.True(closed);
        Assert.InRange(waited.Elapsed, TimeSpan.FromMilliseconds(900), FleetApp.Timeout);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
    }

    [Fact]
    public async Task OversizedConnect_EnrolledDevice_ClosedAtOnceNotAtTheDeadline()
    {
        // A deadline of two minutes: a close within the test's guard (20 s) is the size limit's.
        await using var fleet = await FleetApp.StartAsync(With("Fleet:Broker:ConnectTimeout", "00:02:00"));
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");

        await using var oversized = await OpenTlsAsync(fleet.TlsPort, device);
        byte[] announced = [0x10, .. PacketSizeTests.RemainingLength(262_000), 0x00];
        await oversized.WriteAsync(announced);
        var closed = await ReadsEndAsync(oversized);
        var (client, connected) = await device.ConnectAsync(fleet.TlsPort);
        using var _client = client;

        Assert.True(closed);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
    }

    [Fact]
    public async Task FifthConnectionOfOneCertificate_RefusedAtTls_OtherDeviceConnects_SlotGivenBackOnClose()
    {
        // A long CONNECT deadline, so that the four held connections stay until the test lets one go.
        await using var fleet = await FleetApp.StartAsync(With("Fleet:Broker:ConnectTimeout", "00:02:00"));
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var attacker = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var neighbour = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var connections = fleet.Services.GetRequiredService<EmbeddedBroker>().Connections!;
        var key = BrokerConnectionLimits.KeyOf(attacker.Certificate);

        var held = new List<SslStream>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                held.Add(await OpenTlsAsync(fleet.TlsPort, attacker));
            }

            await UntilAsync(connections, c => c.OpenWith(key) == 4);
            var fifthRefused = await RefusedAsync(fleet.TlsPort, attacker);
            var heldAfterRefusal = connections.OpenWith(key);
            var (other, otherConnected) = await neighbour.ConnectAsync(fleet.TlsPort);
            using var _other = other;

            // One of the four goes away: its slot comes back, and the device's own MQTT client gets in.
            await held[0].DisposeAsync();
            await UntilAsync(connections, c => c.OpenWith(key) == 3);
            var (again, againConnected) = await attacker.ConnectAsync(fleet.TlsPort);
            using var _again = again;

            Assert.True(fifthRefused);
            Assert.Equal(4, heldAfterRefusal);
            Assert.Equal(MqttClientConnectResultCode.Success, otherConnected.ResultCode);
            Assert.Equal(MqttClientConnectResultCode.Success, againConnected.ResultCode);
        }
        finally
        {
            foreach (var stream in held)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Mqtt311Device_PublishesToAnotherDevicesTopic_ConnectionClosedNothingStored()
    {
        await using var fleet = await FleetApp.StartAsync(FleetApp.SecureDefaults);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        using var neighbour = await TrustedDevice.EnrolAsync(fleet, admin, "pole-13");
        var options = device.Options(fleet.TlsPort);
        options.ProtocolVersion = MqttProtocolVersion.V311;
        using var client = new MqttClientFactory().CreateMqttClient();
        var disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        using (var guard = new CancellationTokenSource(FleetApp.Timeout))
        {
            await client.ConnectAsync(options, guard.Token);
        }

        // Under MQTT 3.1.1 a PUBACK only says "received": the refused publish gets none, and the connection ends.
        var forged = Samples.AlertStart("pole-13");
        await Assert.ThrowsAnyAsync<Exception>(() => TrustedDevice.PublishAsync(client, Topics.Alerts("pole-13"), forged));
        await disconnected.Task.WaitAsync(FleetApp.Timeout);

        // Allowed publishes still work, from the neighbour and from the 3.1.1 client once reconnected, and are stored.
        var (other, _) = await neighbour.ConnectAsync(fleet.TlsPort);
        using var _other = other;
        var genuine = Samples.AlertStart("pole-13");
        var genuineAck = await TrustedDevice.PublishAsync(other, Topics.Alerts("pole-13"), genuine);
        using (var guard = new CancellationTokenSource(FleetApp.Timeout))
        {
            await client.ConnectAsync(options, guard.Token);
        }

        var own = Samples.AlertStart("pole-12");
        var ownAck = await TrustedDevice.PublishAsync(client, Topics.Alerts("pole-12"), own);
        await fleet.WaitForAlertAsync(genuine.AlertId);
        await fleet.WaitForAlertAsync(own.AlertId);

        Assert.Equal(MqttClientPublishReasonCode.Success, genuineAck.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, ownAck.ReasonCode);
        Assert.Null(await fleet.Services.GetRequiredService<AlertStore>().FindAsync(forged.AlertId, CancellationToken.None));
    }

    [Fact]
    public void Limits_PerCertificateAndInAll_RefusedBeyondGivenBackOnClose()
    {
        var limits = new BrokerConnectionLimits(maxConnections: 3, maxPerCertificate: 2);

        bool[] perCertificate = [limits.TryOpenWith("a"), limits.TryOpenWith("a"), limits.TryOpenWith("a"), limits.TryOpenWith("b")];
        limits.CloseWith("a");
        var afterClose = limits.TryOpenWith("a");
        limits.CloseWith("b");
        bool[] inAll = [limits.TryOpen(), limits.TryOpen(), limits.TryOpen(), limits.TryOpen()];
        limits.Close();

        Assert.Equal([true, true, false, true], perCertificate);
        Assert.True(afterClose);
        Assert.Equal(2, limits.OpenWith("a"));
        Assert.Equal(0, limits.OpenWith("b"));
        Assert.Equal([true, true, true, false], inAll);
        Assert.Equal(2, limits.Open);
    }

    private static Dictionary<string, string?> With(string key, string value) => new(FleetApp.SecureDefaults) { [key] = value };

    /// <summary>A raw mutual-TLS connection with the device's certificate; nothing of MQTT sent.</summary>
    private static async Task<SslStream> OpenTlsAsync(int port, TrustedDevice device)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync("127.0.0.1", port, guard.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = [device.Certificate],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && TrustedDevice.VerifiesServer(certificate, device.Ca),
            }, guard.Token);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether a new connection with the device's certificate is refused: its handshake fails, or the broker ends it unanswered.</summary>
    private static async Task<bool> RefusedAsync(int port, TrustedDevice device)
    {
        SslStream tls;
        try
        {
            tls = await OpenTlsAsync(port, device);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException)
        {
            return true;
        }

        // TLS 1.3: the client's handshake ends before the broker checked its certificate; the refusal comes as the next read.
        await using var _tls = tls;
        await tls.WriteAsync(PacketSizeTests.Connect311(device.DeviceId));
        return await ReadsEndAsync(tls);
    }

    /// <summary>Whether the broker ends the connection (end of stream, reset or TLS alert) with nothing sent, within the guard.</summary>
    private static async Task<bool> ReadsEndAsync(Stream stream)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var buffer = new byte[256];
        try
        {
            return await stream.ReadAsync(buffer, guard.Token) == 0;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            return true;
        }
    }

    /// <summary>Waits for the broker's connection counts to meet <paramref name="condition"/>, signalled by their changes.</summary>
    private static async Task UntilAsync(BrokerConnectionLimits connections, Func<BrokerConnectionLimits, bool> condition)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(object? sender, EventArgs e)
        {
            if (condition(connections))
            {
                reached.TrySetResult();
            }
        }

        connections.Changed += Check;
        try
        {
            Check(null, EventArgs.Empty);
            await reached.Task.WaitAsync(FleetApp.Timeout);
        }
        finally
        {
            connections.Changed -= Check;
        }
    }
}
