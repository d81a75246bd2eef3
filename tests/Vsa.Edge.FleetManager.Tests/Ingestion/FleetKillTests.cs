using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using MQTTnet;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// The built <c>vsa-fleet</c> with its embedded broker, killed with SIGKILL while an enrolled device (mutual TLS) publishes a
/// QoS 1 burst with a window in flight, as the agent does: after a restart on the same data folder, every alert the device
/// saw acknowledged is stored, and none twice.
/// </summary>
public sealed partial class FleetKillTests(ITestOutputHelper output) : IDisposable
{
    private const string DeviceId = "pole-kill";
    private const string Admin = "kill-admin";
    private const string Password = "kill-admin-correct-horse";
    private const int Burst = 20_000;
    private const int Window = 16;
    private const int KillAfterAcks = 1_500;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("vsa-fleet-kill-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Fleet_KilledMidBurst_EveryAcknowledgedAlertStoredOnceAfterRestart()
    {
        var data = Path.Combine(_work.FullName, "data");
        await CreateAdminAsync(data);
        var tlsPort = MosquittoFixture.FreeLoopbackPort();
        var acknowledged = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var published = 0;
        var timer = Stopwatch.StartNew();

        await using (var fleet = await StartFleetAsync(data, tlsPort))
        {
            using var http = await SignInAsync(fleet);
            using var device = await TrustedDevice.EnrolAsync(http, (await TrustedDevice.CreateTokenAsync(http)).Token, DeviceId);
            var (client, connected) = await device.ConnectAsync(fleet.TlsPort);
            using var _client = client;
            Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);

            using var window = new SemaphoreSlim(Window);
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var pending = new List<Task>();
            timer.Restart();
            for (var i = 0; i < Burst && !killed.Task.IsCompleted; i++)
            {
                await window.WaitAsync();
                var alert = Samples.AlertStart(DeviceId);
                Interlocked.Increment(ref published);
                pending.Add(PublishOneAsync(client, alert, acknowledged, () =>
                {
                    if (acknowledged.Count >= KillAfterAcks && killed.TrySetResult())
                    {
                        // SIGKILL: nothing of the fleet's shutdown runs.
                        Process.GetProcessById(fleet.Process.Id).Kill();
                    }
                }).ContinueWith(_ => window.Release(), TaskScheduler.Default));
            }

            var seconds = timer.Elapsed.TotalSeconds;
            await killed.Task.WaitAsync(Guard);
            await Task.WhenAll(pending).WaitAsync(Guard);
            Assert.True(await fleet.Process.WaitForExitAsync(Guard) != 0);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acknowledged {acknowledged.Count} of {published} published in {seconds:F1} s before kill -9"));
        }

        // Restarted on the same folder: it must start, and the file holds what it held at the kill.
        await using (var restarted = await StartFleetAsync(data, tlsPort))
        {
            var rows = await ReadStoredAsync(data);
            var lost = acknowledged.Keys.Where(id => !rows.ContainsKey(id)).ToList();
            var twice = rows.Where(r => r.Value > 1).Select(r => r.Key).ToList();
            output.WriteLine($"acknowledged {acknowledged.Count}, stored {rows.Count} alerts, lost {lost.Count}, stored twice {twice.Count}");

            Assert.True(lost.Count == 0, $"{lost.Count} acknowledged alerts lost, e.g. {string.Join(", ", lost.Take(3))}");
            Assert.Empty(twice);
            Assert.True(acknowledged.Count >= KillAfterAcks);
            Assert.True(acknowledged.Count < Burst, "the kill came after the burst");
        }
    }

    private static async Task PublishOneAsync(IMqttClient client, AlertMessage alert, ConcurrentDictionary<string, bool> acknowledged, Action afterAck)
    {
        try
        {
            var ack = await TrustedDevice.PublishAsync(client, Topics.Alerts(DeviceId), alert);
            if (ack.IsSuccess)
            {
                acknowledged[alert.AlertId] = true;
                afterAck();
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            // The fleet is gone: this one was never acknowledged, the agent would keep it in its outbox.
        }
    }

    private static async Task CreateAdminAsync(string data)
    {
        await using var create = ChildProcess.StartBuiltTool(
            "vsa-fleet",
            ["accounts", "create", "--role", "admin", "--name", Admin, "--display-name", "Kill test admin",
             "--designation-ref", "KILL-1", "--designation-date", "2025-01-01", "--training-date", "2025-01-01",
             "--password-stdin", "--Fleet:Storage:DataDirectory", data]);
        await create.WriteStandardInputAsync(Password + "\n");
        Assert.True(await create.WaitForExitAsync(Guard) == 0, create.Output);
    }

    private static Task<FleetProcess> StartFleetAsync(string data, int tlsPort) => StartFleetAsync(data, tlsPort, []);

    private static async Task<FleetProcess> StartFleetAsync(string data, int tlsPort, string[] extra)
    {
        var http = new Uri($"http://127.0.0.1:{MosquittoFixture.FreeLoopbackPort()}");
        var process = ChildProcess.StartBuiltTool(
            "vsa-fleet",
            ["--contentRoot", Path.Combine(TestAssets.RepositoryRoot, "fleet-manager", "Vsa.Edge.FleetManager"), "--urls", http.ToString(),
             "--Fleet:Broker:Port", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
             "--Fleet:Broker:TlsPort", tlsPort.ToString(CultureInfo.InvariantCulture), "--Fleet:Storage:DataDirectory", data, "--Fleet:Models:DeliveryPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture), .. extra]);
        var fleet = new FleetProcess(process, http, tlsPort);
        using var client = new HttpClient { BaseAddress = http };
        using var deadline = new CancellationTokenSource(Guard);
        while (true)
        {
            Assert.False(process.HasExited, $"the fleet manager exited during start-up\n{process.Output}");
            try
            {
                using var ready = await client.GetAsync("/health/ready", deadline.Token);
                if (ready.IsSuccessStatusCode)
                {
                    return fleet;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            // Start-up has no signal to wait on from outside the process: ask again shortly, bounded by the deadline.
            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }
    }

    private static async Task<HttpClient> SignInAsync(FleetProcess fleet)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = fleet.Http };

        // As the console's page does: a change made with the session cookie names the fleet's own origin.
        http.DefaultRequestHeaders.Add("Origin", fleet.Http.GetLeftPart(UriPartial.Authority));
        using var login = await http.PostAsJsonAsync("/api/auth/login", new { name = Admin, password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return http;
    }

    private static Task<Dictionary<string, long>> ReadStoredAsync(string data) => ReadStoredAsync(data, DeviceId);

    private static async Task<Dictionary<string, long>> ReadStoredAsync(string data, string devicePrefix)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(data, "vsa-fleet.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT a.alert_id, (SELECT COUNT(*) FROM alert_messages m WHERE m.alert_id = a.alert_id) FROM alerts a WHERE a.device_id = $d OR a.device_id LIKE $d || '-%'";
        command.Parameters.AddWithValue("$d", devicePrefix);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0), reader.GetInt64(1));
        }

        return rows;
    }

    private sealed class FleetProcess(ChildProcess process, Uri http, int tlsPort) : IAsyncDisposable
    {
        public ChildProcess Process { get; } = process;

        public Uri Http { get; } = http;

        public int TlsPort { get; } = tlsPort;

        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }
}
