using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Mqtt;

/// <summary>
/// The built agent as a child process, killed with SIGKILL while alerts wait for an unreachable broker: after a restart
/// with the broker back, those alerts arrive, byte for byte, with their original message and alert ids.
/// </summary>
public sealed class AgentKillTests(ITestOutputHelper output) : IDisposable
{
    private const string DeviceId = "edge-kill-01";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(180);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-kill-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Agent_KilledWithAlertsPending_DeliversThemWithTheirOriginalIdsAfterRestart()
    {
        using var broker = new MosquittoFixture();
        broker.Stop();
        var data = Path.Combine(_dir.FullName, "data");
        var config = AgentConfig.Write(_dir.FullName, DeviceId, broker.Port, data);
        string[] args = ["run", "--config", config];
        const string OutboxDebug = "Logging__LogLevel__Vsa.Edge.Agent.Outbox";

        using (var first = AgentProcess.Start(args, new Dictionary<string, string> { [OutboxDebug] = "Debug" }))
        {
            await first.WaitForLineAsync(@"\(depth ([3-9]|\d\d+)\)", Guard);
            first.KillHard();
        }

        var pending = ReadOutbox(data);
        Assert.True(pending.Count >= 3, $"{pending.Count} alerts were pending");
        broker.Start();
        await using var fleet = new PersistentSubscriber(broker.Host, broker.Port, Topics.Alerts(DeviceId));
        await fleet.ConnectAsync();
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var notifyPath = Path.Combine(_dir.FullName, "notify.sock");
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));

        var restarted = Stopwatch.StartNew();
        using var second = AgentProcess.Start(args, new Dictionary<string, string> { [OutboxDebug] = "Debug", ["NOTIFY_SOCKET"] = notifyPath, ["WATCHDOG_USEC"] = "2000000" });
        await fleet.WaitUntilAsync(f => pending.All(p => f.Payloads.ContainsKey(p.MessageId)), Guard);
        var recovery = restarted.Elapsed;

        foreach (var entry in pending)
        {
            Assert.Equal(entry.Payload, fleet.Payloads[entry.MessageId]);
            Assert.Equal(entry.AlertId, fleet.Alerts.Single(a => a.MessageId == entry.MessageId).AlertId);
        }

        var ping = new byte[64];
        var received = await notify.ReceiveAsync(ping).WaitAsync(Guard);
        Assert.Equal("WATCHDOG=1", Encoding.UTF8.GetString(ping, 0, received));
        output.WriteLine($"{pending.Count} alerts survived kill -9; delivered {recovery.TotalSeconds:F1} s after the agent restarted (model load included); agent RSS {RssMiB(second.Id)} MiB");
    }

    private static List<OutboxEntry> ReadOutbox(string data)
    {
        // The killed agent's lock is gone with its process: the outbox opens at once.
        using var outbox = new SqliteAlertOutbox(data, DeviceId, new OutboxOptions(), TimeProvider.System, NullLogger<SqliteAlertOutbox>.Instance);
        var entries = outbox.Peek(10_000).ToList();
        foreach (var entry in entries)
        {
            Assert.Equal(entry.MessageId, JsonSerializer.Deserialize(entry.Payload, ContractsJsonContext.Default.AlertMessage)!.MessageId);
        }

        return entries;
    }

    private static string RssMiB(int pid)
    {
        var status = File.ReadAllText($"/proc/{pid}/status");
        var line = status.Split('\n').First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return (kb / 1024.0).ToString("F0", CultureInfo.InvariantCulture);
    }
}
