using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// A fleet manager and a fleet-managed agent, each the built executable in its own process: the fleet with its embedded
/// broker and SQLite in a temporary folder, an administrator signed in over HTTP, the live stream open, a prefectoral
/// authorisation for intrusion on the device's camera, and an agent with no camera file of its own that has reported
/// its (empty) local configuration. What the tests then drive is the HTTP API, as an administrator would.
/// </summary>
internal sealed class ManagedFleetRig : IAsyncDisposable
{
    public const string DeviceId = "pole-e2e";
    public const string CameraId = "vtest";
    public const string Reference = "E2E-DPG-0001";
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private const string Admin = "e2e-admin";
    private const string Password = "e2e-admin-correct-horse";

    /// <summary>The administrator the rig signs in as (for tools that sign in themselves: the CLI, the load generator).</summary>
    public const string AdminName = Admin;

    /// <summary>Its password.</summary>
    public const string AdminPassword = Password;

    private readonly string _work;
    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private ChildProcess? _fleet;
    private ChildProcess? _agent;
    private HttpClient? _http;
    private FleetLiveStream? _live;
    private int _tlsPort;

    private readonly string[] _cameraIds;
    private string? _agentConfig;
    private IReadOnlyList<string> _fleetArguments = [];
    private Action<JsonObject>? _agentSettings;

    private ManagedFleetRig(string work, ITestOutputHelper output, string[] cameraIds) => (_work, _output, _cameraIds) = (work, output, cameraIds);

    public HttpClient Http => _http!;

    public FleetLiveStream Live => _live!;

    public ChildProcess Agent => _agent!;

    /// <summary>The fleet manager's process.</summary>
    public ChildProcess Fleet => _fleet!;

    /// <summary>The fleet's data folder (database, <c>trust/</c> with the CA).</summary>
    public string FleetDataDirectory => Path.Combine(_work, "fleet");

    /// <summary>The agent's credentials folder, as <c>vsa-agent enrol</c> wrote it.</summary>
    public string AgentCredentialsDirectory => Path.Combine(_work, "agent", "credentials");

    /// <summary>The embedded broker's mutual-TLS port.</summary>
    public int TlsPort => _tlsPort;
    /// <summary>The agent's data folder (<c>Agent:DataDirectory</c>).</summary>
    public string AgentDataDirectory => Path.Combine(_work, "agent");

    /// <summary>The authorisation recorded at start.</summary>
    public long AuthorisationId { get; private set; }

    /// <summary>Its start, one hour before the rig started.</summary>
    public DateTimeOffset AuthorisedFrom { get; private set; }

    /// <summary>Starts everything; on a failure, whatever already runs is stopped before the exception goes on.</summary>
    /// <param name="work">The test's temporary folder.</param>
    /// <param name="output">The test's output.</param>
    /// <param name="cameraIds">The cameras the authorisation covers (default: <see cref="CameraId"/>).</param>
    public static Task<ManagedFleetRig> StartAsync(string work, ITestOutputHelper output, params string[] cameraIds) =>
        StartAsync(work, output, [], null, cameraIds);

    /// <summary>As above, the fleet started with <paramref name="fleetArguments"/> too and the agent's settings edited by <paramref name="agentSettings"/>.</summary>
    public static async Task<ManagedFleetRig> StartAsync(string work, ITestOutputHelper output, IReadOnlyList<string> fleetArguments, Action<JsonObject>? agentSettings, params string[] cameraIds)
    {
        var rig = new ManagedFleetRig(work, output, cameraIds) { _fleetArguments = fleetArguments, _agentSettings = agentSettings };
        try
        {
            await rig.StartFleetAsync();
            await rig.StartAgentAsync();
            return rig;
        }
        catch (Exception)
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>The body of <c>POST/PUT /api/authorisations</c> for intrusion on the device's camera (or <paramref name="cameraIds"/>).</summary>
    public static object Authorisation(DateTimeOffset startsAt, DateTimeOffset endsAt, params string[] cameraIds) => new
    {
        reference = Reference,
        service = "Police municipale (end-to-end test)",
        events = new[] { "intrusion" },
        cameras = (cameraIds.Length == 0 ? [CameraId] : cameraIds).Select(c => new { deviceId = DeviceId, cameraId = c }).ToArray(),
        startsAt,
        endsAt,
    };

    /// <summary>Writes the time since the start and what was reached, to read the test's pace in its output.</summary>
    public void Mark(string what) => _output.WriteLine($"{_clock.Elapsed.TotalSeconds:F1} s: {what}");

    /// <summary><c>PUT /api/devices/{id}/config</c> with one camera; expects 200 and <paramref name="version"/>.</summary>
    public async Task PutConfigAsync(JsonObject camera, long expectedVersion, long version)
    {
        using var response = await Http.PutAsJsonAsync($"/api/devices/{DeviceId}/config", new JsonObject { ["cameras"] = new JsonArray(camera), ["expectedVersion"] = expectedVersion });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(version, JsonDocument.Parse(body).RootElement.GetProperty("desired").GetProperty("version").GetInt64());
    }

    /// <summary><c>GET /api/devices/{id}/config</c>.</summary>
    public Task<JsonElement> ConfigAsync() => Http.GetFromJsonAsync<JsonElement>($"/api/devices/{DeviceId}/config");

    /// <summary>Waits until the device row says <paramref name="version"/> runs without drift, then checks the full view; returns the report.</summary>
    public async Task<JsonElement> WaitForAppliedAsync(long version)
    {
        await WaitForDeviceAsync(c =>
            c.GetProperty("appliedVersion") is { ValueKind: JsonValueKind.Number } applied && applied.GetInt64() == version
            && c.GetProperty("status").GetString() == "applied" && !c.GetProperty("drift").GetBoolean());
        var view = await ConfigAsync();
        var reported = view.GetProperty("reported");
        Assert.Equal(version, view.GetProperty("desired").GetProperty("version").GetInt64());
        Assert.Equal(version, reported.GetProperty("appliedVersion").GetInt64());
        Assert.Equal(version, reported.GetProperty("lastReceivedVersion").GetInt64());
        Assert.Equal("applied", reported.GetProperty("status").GetString());
        Assert.Equal("fleet", reported.GetProperty("source").GetString());
        Assert.Empty(reported.GetProperty("errors").EnumerateArray());
        Assert.False(view.GetProperty("drift").GetBoolean(), view.GetRawText());
        Assert.Empty(view.GetProperty("driftReasons").EnumerateArray());
        Assert.Equal(CameraId, Assert.Single(reported.GetProperty("cameras").EnumerateArray()).GetProperty("cameraId").GetString());
        return reported;
    }

    /// <summary>Waits for a <c>device</c> event of the device whose configuration summary satisfies <paramref name="config"/>.</summary>
    public async Task WaitForDeviceAsync(Func<JsonElement, bool> config)
    {
        try
        {
            await Live.WaitForAsync("device", d => d.GetProperty("deviceId").GetString() == DeviceId && d.GetProperty("config") is { ValueKind: JsonValueKind.Object } c && config(c), Guard);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n--- agent ---\n{Agent.Output}", ex);
        }
    }

    /// <summary>The console's layout: what the device reports running, geometry only, never the camera's address.</summary>
    public async Task AssertLayoutAsync(string zoneId, double[][] polygon)
    {
        var text = await Http.GetStringAsync($"/api/devices/{DeviceId}/cameras/{CameraId}/layout");
        var layout = JsonDocument.Parse(text).RootElement;
        Assert.Equal("reported", layout.GetProperty("source").GetString());
        var zone = Assert.Single(layout.GetProperty("zones").EnumerateArray());
        Assert.Equal(zoneId, zone.GetProperty("id").GetString());
        var points = zone.GetProperty("polygon").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        Assert.Equal(polygon.Length, points.Length);
        for (var i = 0; i < polygon.Length; i++)
        {
            // The device parses coordinates as float: compare at float precision.
            Assert.Equal(polygon[i][0], points[i][0], 1e-6);
            Assert.Equal(polygon[i][1], points[i][1], 1e-6);
        }

        Assert.DoesNotContain(Path.GetFileName(TestAssets.DemoClip), text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestAssets.CacheRoot, text, StringComparison.Ordinal);
    }

    /// <summary>Stops the agent, then the fleet, with SIGTERM as systemd does; both must exit 0.</summary>
    public async Task StopAsync()
    {
        Agent.Terminate();
        Assert.True(await Agent.WaitForExitAsync(Guard) == 0, Agent.Output);
        _fleet!.Terminate();
        Assert.True(await _fleet.WaitForExitAsync(Guard) == 0, _fleet.Output);
        Mark("agent and fleet stopped, exit 0");
    }

    /// <summary>
    /// Stops the agent (SIGTERM, exit 0) and starts it again on the same data folder; <paramref name="offline"/>: with its
    /// broker port pointing where nothing listens, so it runs on what it kept on disk alone; <paramref name="editConfig"/>
    /// changes its configuration file first.
    /// </summary>
    public async Task RestartAgentAsync(bool offline, Action<JsonNode>? editConfig = null)
    {
        Agent.Terminate();
        Assert.True(await Agent.WaitForExitAsync(Guard) == 0, Agent.Output);
        await Agent.DisposeAsync();
        var config = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(_agentConfig!))!;
        config["Mqtt"]!["Port"] = offline ? MosquittoFixture.FreeLoopbackPort() : _tlsPort;
        editConfig?.Invoke(config);
        var path = Path.Combine(_work, offline ? "agent-offline.json" : "agent-online.json");
        await File.WriteAllTextAsync(path, config.ToJsonString());
        _agent = ChildProcess.StartBuiltTool("vsa-agent", ["run", "--config", path]);
        Mark(offline ? "agent restarted offline" : "agent restarted online");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_live is not null)
        {
            await _live.DisposeAsync();
        }

        _http?.Dispose();
        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }

    private async Task StartFleetAsync()
    {
        var data = Path.Combine(_work, "fleet");
        await using (var create = ChildProcess.StartBuiltTool(
            "vsa-fleet",
            ["accounts", "create", "--role", "admin", "--name", Admin, "--display-name", "End to end admin",
             "--designation-ref", "E2E-1", "--designation-date", "2025-01-01", "--training-date", "2025-01-01",
             "--password-stdin", "--Fleet:Storage:DataDirectory", data]))
        {
            await create.WriteStandardInputAsync(Password + "\n");
            Assert.True(await create.WaitForExitAsync(Guard) == 0, create.Output);
        }

        var baseUri = new Uri($"http://127.0.0.1:{MosquittoFixture.FreeLoopbackPort()}");
        _tlsPort = MosquittoFixture.FreeLoopbackPort();
        _fleet = ChildProcess.StartBuiltTool(
            "vsa-fleet",
            ["--contentRoot", Path.Combine(TestAssets.RepositoryRoot, "fleet-manager", "Vsa.Edge.FleetManager"),
             "--urls", baseUri.ToString(), "--Fleet:Broker:TlsPort", _tlsPort.ToString(CultureInfo.InvariantCulture),
             "--Fleet:Storage:DataDirectory", data, "--Fleet:Models:DeliveryPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture), .. _fleetArguments]);
        _http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUri };

        // As the console's page does: a change made with the session cookie must name the fleet's own origin.
        _http.DefaultRequestHeaders.Add("Origin", baseUri.GetLeftPart(UriPartial.Authority));
        await AgentToFleetTests.WaitReadyAsync(_http, _fleet);
        using (var login = await _http.PostAsJsonAsync("/api/auth/login", new { name = Admin, password = Password }))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        _live = await FleetLiveStream.OpenAsync(_http, Guard);
        Mark("fleet ready, signed in, live stream open");

        var now = TimeProvider.System.GetUtcNow();
        AuthorisedFrom = now.AddHours(-1);
        using var created = await _http.PostAsJsonAsync("/api/authorisations", Authorisation(AuthorisedFrom, now.AddDays(1), _cameraIds));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        AuthorisationId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
    }

    /// <summary>
    /// A fleet-managed device, enrolled as in the demo (a single-use token, its own key, a certificate of the fleet CA) and
    /// connected over mutual TLS: no camera file, it runs nothing until the fleet sends its configuration.
    /// </summary>
    private async Task StartAgentAsync()
    {
        var state = Path.Combine(_work, "agent");
        using (var created = await Http.PostAsJsonAsync("/api/enrolment-tokens", new { site = "End to end", validFor = "00:10:00" }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            await using var enrol = ChildProcess.StartBuiltTool(
                "vsa-agent", ["enrol", "--fleet", Http.BaseAddress!.ToString(), "--token", token, "--device-id", DeviceId, "--data-dir", state]);
            Assert.True(await enrol.WaitForExitAsync(Guard) == 0, enrol.Output);
        }

        var config = new
        {
            Agent = new { DeviceId, Cameras = Array.Empty<string>(), DataDirectory = state },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "CPU" } },
            Mqtt = new
            {
                Host = "127.0.0.1",
                Port = _tlsPort,
                CredentialsDirectory = Path.Combine(state, "credentials"),
                HeartbeatInterval = "00:00:02",
                ProposalScanInterval = "00:00:00.500",
                ReconnectMinDelay = "00:00:00.100",
                ReconnectMaxDelay = "00:00:00.500",
            },
        };
        var path = Path.Combine(_work, "agent.json");
        var settings = JsonSerializer.SerializeToNode(config)!.AsObject();
        _agentSettings?.Invoke(settings);
        await File.WriteAllTextAsync(path, settings.ToJsonString());
        _agentConfig = path;
        _agent = ChildProcess.StartBuiltTool("vsa-agent", ["run", "--config", path]);

        // It reports at start: its local configuration, no camera, nothing desired yet, so no drift.
        await WaitForDeviceAsync(c => !c.GetProperty("notReported").GetBoolean());
        var row = (await Http.GetFromJsonAsync<JsonElement>("/api/devices")).EnumerateArray().Single(d => d.GetProperty("deviceId").GetString() == DeviceId);
        Assert.False(row.GetProperty("config").GetProperty("drift").GetBoolean());
        var local = (await ConfigAsync()).GetProperty("reported");
        Assert.Equal("local", local.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, local.GetProperty("appliedVersion").ValueKind);
        Assert.Empty(local.GetProperty("cameras").EnumerateArray());
        Mark("agent reported its local (empty) configuration");
    }
}
