using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// The walking skeleton end to end, every part real and in its own process: the agent replays the demo clip and
/// publishes to the fleet manager's embedded broker; the fleet ingests into SQLite and serves <c>/api/alerts</c>.
/// </summary>
public sealed class AgentToFleetTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private const string Password = "e2e-correct-horse-battery";

    [Fact]
    public async Task Analyze_PublishingToEmbeddedBroker_FleetStoresAndServesEveryAlert()
    {
        const string deviceId = "e2e-fleet";
        var work = ReplayRun.NewWorkDir();
        var data = Path.Combine(work, "fleet");
        var httpPort = MosquittoFixture.FreeLoopbackPort();
        var mqttPort = MosquittoFixture.FreeLoopbackPort();
        var baseUri = new Uri($"http://127.0.0.1:{httpPort}");

        await CreateAuditorAsync(data);
        await using var fleet = ChildProcess.StartBuiltTool(
            "vsa-fleet",
            ["--contentRoot", Path.Combine(TestAssets.RepositoryRoot, "fleet-manager", "Vsa.Edge.FleetManager"),
             "--urls", baseUri.ToString(), "--Fleet:Broker:Port", mqttPort.ToString(),
             "--Fleet:Broker:TlsPort", MosquittoFixture.FreeLoopbackPort().ToString(), "--Fleet:Storage:DataDirectory", data, "--Fleet:Models:DeliveryPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
             // A replay bench: the development replay publishes as the device over plain MQTT, without enrolment.
             "--Fleet:Broker:RequireClientCertificates", "false", "--Fleet:Broker:BenchDevicesMayPublish", "true"]);
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUri };
        await WaitReadyAsync(http, fleet);

        var sent = await ReplayRun.PublishAsync($"mqtt://127.0.0.1:{mqttPort}", deviceId, work);
        var expected = sent.GroupBy(a => a.AlertId).ToDictionary(g => g.Key, g => g.MaxBy(a => a.Sequence)!);

        var login = await http.PostAsJsonAsync("/api/auth/login", new { name = "e2e", password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);

        // Ingestion is asynchronous: read the API until it shows every alert in its last state (or the guard expires).
        var stored = await PollAlertsAsync(http, deviceId, expected);
        Assert.Equal(expected.Keys.Order(), stored.Keys.Order());
        foreach (var (id, last) in expected)
        {
            var row = stored[id];
            Assert.Equal(last.State.ToString(), row.GetProperty("state").GetString(), ignoreCase: true);
            Assert.Equal(last.Sequence, row.GetProperty("sequence").GetInt32());
            Assert.Equal("vtest", row.GetProperty("cameraId").GetString());
            Assert.Equal("square", row.GetProperty("zoneId").GetString());
        }

        // And the rows are in the SQLite file, once each, with every message of every alert recorded once.
        await using var db = new SqliteConnection($"Data Source={Path.Combine(data, "vsa-fleet.db")};Mode=ReadOnly");
        await db.OpenAsync();
        Assert.Equal(expected.Count, await CountAsync(db, "SELECT COUNT(*) FROM alerts WHERE device_id = $d", deviceId));
        Assert.Equal(sent.Count, await CountAsync(db, "SELECT COUNT(*) FROM alert_messages WHERE device_id = $d", deviceId));
    }

    private static async Task CreateAuditorAsync(string data)
    {
        await using var create = ChildProcess.StartBuiltTool(
            "vsa-fleet",
            ["accounts", "create", "--role", "auditor", "--name", "e2e", "--display-name", "End to end",
             "--designation-ref", "E2E-1", "--designation-date", "2025-01-01", "--training-date", "2025-01-01",
             "--password-stdin", "--Fleet:Storage:DataDirectory", data]);
        await create.WriteStandardInputAsync(Password + "\n");
        Assert.True(await create.WaitForExitAsync(Guard) == 0, create.Output);
    }

    /// <summary>Reads <c>/health/ready</c> until the fleet manager answers 200 (its ingestion subscribed), failing at once if it exits.</summary>
    internal static async Task WaitReadyAsync(HttpClient http, ChildProcess fleet)
    {
        using var deadline = new CancellationTokenSource(Guard);
        while (true)
        {
            Assert.False(fleet.HasExited, $"the fleet manager exited during start-up\n{fleet.Output}");
            try
            {
                using var ready = await http.GetAsync("/health/ready", deadline.Token);
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }

    private static async Task<Dictionary<string, JsonElement>> PollAlertsAsync(HttpClient http, string deviceId, Dictionary<string, AlertMessage> expected)
    {
        using var deadline = new CancellationTokenSource(Guard);
        Dictionary<string, JsonElement> stored = [];
        while (!deadline.IsCancellationRequested)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/alerts?deviceId={deviceId}&limit=500", deadline.Token);
            stored = page.EnumerateArray().ToDictionary(a => a.GetProperty("alertId").GetString()!, a => a.Clone());
            if (stored.Count == expected.Count && expected.All(e => stored.TryGetValue(e.Key, out var s) && s.GetProperty("sequence").GetInt32() == e.Value.Sequence))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
        }

        return stored;
    }

    private static async Task<long> CountAsync(SqliteConnection db, string sql, string deviceId)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$d", deviceId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
