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
    private const string OutboxDebug = "Logging__LogLevel__Vsa.Edge.Agent.Outbox";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(180);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-kill-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>
    /// Runs the agent with its broker stopped until the outbox logs a depth matching <paramref name="depthPattern"/>, then
    /// kills it hard; returns its data folder and the arguments to start it again.
    /// </summary>
    private async Task<(string Data, string[] Args)> KillWhileOfflineAsync(MosquittoFixture broker, string depthPattern)
    {
        broker.Stop();
        var data = Path.Combine(_dir.FullName, "data");
        string[] args = ["run", "--config", AgentConfig.Write(_dir.FullName, DeviceId, broker.Port, data)];
        using var first = AgentProcess.Start(args, new Dictionary<string, string> { [OutboxDebug] = "Debug" });
        await first.WaitForLineAsync(depthPattern, Guard);
        first.KillHard();
        return (data, args);
    }

    [Fact]
    public async Task Agent_KilledWithAlertsPending_DeliversThemWithTheirOriginalIdsAfterRestart()
    {
        using var broker = new MosquittoFixture();
        var (data, args) = await KillWhileOfflineAsync(broker, @"\(depth ([3-9]|\d\d+)\)");

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

    [Fact]
    public async Task Agent_KilledWithAnAlertOpen_EndsItAsInterruptedAfterRestart()
    {
        using var broker = new MosquittoFixture();

        // Killed right after its first alert was stored: a start whose end nobody will observe.
        var (data, args) = await KillWhileOfflineAsync(broker, @"\(depth [1-9]\d*\)");

        var open = ReadOpenAlerts(data);
        Assert.NotEmpty(open);
        broker.Start();
        await using var fleet = new PersistentSubscriber(broker.Host, broker.Port, Topics.Alerts(DeviceId));
        await fleet.ConnectAsync();

        using var second = AgentProcess.Start(args, new Dictionary<string, string> { [OutboxDebug] = "Debug" });
        await fleet.WaitUntilAsync(f => open.All(o => f.Alerts.Any(a => a.AlertId == o.AlertId && a.EndReason == AlertEndReason.Interrupted)), Guard);

        foreach (var last in open)
        {
            var end = Assert.Single(fleet.Alerts, a => a.AlertId == last.AlertId && a.EndReason == AlertEndReason.Interrupted);
            Assert.Equal(AlertState.End, end.State);
            Assert.Equal(last.Sequence + 1, end.Sequence);
            Assert.Equal(last.ObservedAt, end.EndedAt);
        }

        output.WriteLine($"{open.Count} alerts open at kill -9, ended as interrupted after the restart");
    }

    // The open alerts as the killed agent left them, read without opening the outbox (which would not change them either).
    private static List<AlertMessage> ReadOpenAlerts(string data)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, $"outbox-{DeviceId}.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var select = db.CreateCommand();
        select.CommandText = "SELECT payload FROM open_alerts;";
        using var reader = select.ExecuteReader();
        var open = new List<AlertMessage>();
        while (reader.Read())
        {
            open.Add(JsonSerializer.Deserialize((byte[])reader.GetValue(0), ContractsJsonContext.Default.AlertMessage)!);
        }

        return open;
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
