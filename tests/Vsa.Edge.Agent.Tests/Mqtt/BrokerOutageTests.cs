using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Mqtt;

/// <summary>
/// The run host against Debian's Mosquitto (persistent, like a production broker), the demo clip as a camera: the broker
/// goes away while alerts are being produced and comes back; a fleet-like persistent subscriber must get every alert.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class BrokerOutageTests(ITestOutputHelper output) : IDisposable
{
    private const string DeviceId = "edge-outage-01";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(180);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-outage-");
    private readonly RecordingLoggerProvider _logs = new();

    public void Dispose()
    {
        _logs.Dispose();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public async Task RunHost_BrokerStoppedWhileAlertsAreProduced_DeliversEveryAlertAfterItReturns()
    {
        using var broker = PersistentMosquitto(_dir);
        await using var fleet = new PersistentSubscriber(broker.Host, broker.Port, Topics.Alerts(DeviceId));
        await fleet.ConnectAsync();
        var config = AgentConfig.Write(_dir.FullName, DeviceId, broker.Port);
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();
        IAlertOutbox? outbox = null;
        var run = RunCommand.RunAsync(config, stderr, b => b.Logging.AddProvider(_logs), sp => outbox = sp.GetRequiredService<IAlertOutbox>(), stop.Token);

        await fleet.WaitUntilAsync(f => f.Alerts.Count >= 1, Guard);
        broker.StopGracefully();
        await outbox!.WaitAsync(c => c.Depth >= 4, CancellationToken.None).WaitAsync(Guard);
        var pending = outbox.Peek(1000).Select(e => e.MessageId).ToList();
        var restarted = Stopwatch.StartNew();
        broker.Start();
        await fleet.ConnectAsync();
        await fleet.WaitUntilAsync(f => pending.All(f.Deliveries.ContainsKey), Guard);
        var recovery = restarted.Elapsed;
        await stop.CancelAsync();
        var exit = await run.WaitAsync(Guard);
        var stored = outbox.Counts.Stored;

        Assert.True(exit == 0, stderr.ToString());
        Assert.True(fleet.SessionPresent, "Mosquitto restored the subscriber's persistent session");
        Assert.Equal(0, outbox.Counts.Dropped);
        Assert.Contains(_logs.Entries, e => e.EventId == 4001);
        await fleet.WaitUntilAsync(f => f.Alerts.Count == stored, Guard);
        TestAlerts.AssertCompleteLifecycles(fleet.Alerts);
        output.WriteLine($"{pending.Count} alerts waited through the outage; recovery {recovery.TotalMilliseconds:F0} ms from broker start to the last one received; {stored} alerts in all, {fleet.Deliveries.Values.Count(n => n > 1)} delivered twice (deduplicated by message id)");
    }

    [Fact]
    public async Task StartAsync_ReconnectWithSameClientId_MosquittoKeepsThePersistentSession()
    {
        using var broker = PersistentMosquitto(_dir);
        using var loggers = _logs.CreateFactory();
        using var outbox = new SqliteAlertOutbox(_dir.FullName, DeviceId, new OutboxOptions(), TimeProvider.System, loggers.CreateLogger<SqliteAlertOutbox>());
        var options = new MqttOptions { Host = broker.Host, Port = broker.Port, ReconnectMinDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromMilliseconds(200) };
        await using (var first = new MqttPublisher(options, DeviceId, outbox, TimeProvider.System, loggers.CreateLogger<MqttPublisher>()))
        {
            await first.StartAsync(CancellationToken.None);
            Assert.True(await first.WaitConnectedAsync(Guard, CancellationToken.None));
            Assert.False(first.SessionPresent);
            await first.StopAsync(CancellationToken.None);
        }

        await using var second = new MqttPublisher(options, DeviceId, outbox, TimeProvider.System, loggers.CreateLogger<MqttPublisher>());
        await second.StartAsync(CancellationToken.None);
        Assert.True(await second.WaitConnectedAsync(Guard, CancellationToken.None));

        Assert.True(second.SessionPresent, "clean start off with a session expiry: the broker kept the session");
        await second.StopAsync(CancellationToken.None);
    }

    internal static MosquittoFixture PersistentMosquitto(DirectoryInfo dir)
    {
        // Mosquitto started as root drops to the "mosquitto" user: its state folder must be reachable and writable by it.
        var state = Directory.CreateDirectory(Path.Combine(dir.FullName, "mosquitto"));
        const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(dir.FullName, File.GetUnixFileMode(dir.FullName) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        File.SetUnixFileMode(state.FullName, Open);
        var executable = Environment.GetEnvironmentVariable("VSA_MOSQUITTO") is { Length: > 0 } path ? path : MosquittoFixture.DefaultExecutable;
        return new MosquittoFixture(executable, TimeSpan.FromSeconds(15), $"persistence true\npersistence_location {state.FullName}/\n");
    }
}

/// <summary>An agent.json for the demo clip (copied next to it) on CPU, with fast reconnects.</summary>
internal static class AgentConfig
{
    public static string Write(string dir, string deviceId, int port, string? dataDirectory = null, TimeSpan? heartbeat = null)
    {
        var camera = File.ReadAllText(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"));
        File.WriteAllText(Path.Combine(dir, "vtest-camera.json"), camera);
        if (!File.Exists(Path.Combine(dir, "vtest.avi")))
        {
            File.Copy(TestAssets.DemoClip, Path.Combine(dir, "vtest.avi"));
        }

        var config = new
        {
            // A test bench: the clip runs every event with no arrêté (refused without DevelopmentMode).
            Agent = new { DeviceId = deviceId, Cameras = new[] { "vtest-camera.json" }, DataDirectory = dataDirectory ?? Path.Combine(dir, "data"), DevelopmentMode = true },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "CPU" } },
            Mqtt = new
            {
                Host = "127.0.0.1",
                Port = port,
                HeartbeatInterval = (heartbeat ?? TimeSpan.FromSeconds(1)).ToString(),
                ReconnectMinDelay = "00:00:00.100",
                ReconnectMaxDelay = "00:00:00.500",

                // A guard, not a figure: on a loaded machine the stop drain must not give up before the outbox is empty.
                StopDrainTimeout = "00:01:00",
            },
        };
        var path = Path.Combine(dir, "agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }
}
