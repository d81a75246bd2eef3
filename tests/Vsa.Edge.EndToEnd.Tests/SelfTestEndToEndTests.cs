using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// The installer's self-test, each part its built executable in its own process: a fleet manager (embedded broker, SQLite),
/// a device enrolled with a single-use token, then <c>vsa-agent provision selftest</c> on the demo clip against it over
/// mutual TLS. The installation report appears on the device board's API; nothing appears in the operators' queue.
/// </summary>
public sealed class SelfTestEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string DeviceId = "pole-selftest";
    private const string Admin = "e2e-installer-admin";
    private const string Password = "e2e-installer-correct-horse";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("vsa-selftest-e2e-");

    [Fact]
    public async Task SelfTest_EnrolledPoleOnDemoClip_ReportOnBoardNothingInQueue()
    {
        var data = Path.Combine(_work.FullName, "fleet");
        await using (var create = ChildProcess.StartBuiltTool("vsa-fleet", ["accounts", "create", "--role", "admin", "--name", Admin, "--display-name", "Installer admin",
            "--designation-ref", "E2E-2", "--designation-date", "2025-01-01", "--training-date", "2025-01-01", "--password-stdin", "--Fleet:Storage:DataDirectory", data]))
        {
            await create.WriteStandardInputAsync(Password + "\n");
            Assert.True(await create.WaitForExitAsync(Guard) == 0, create.Output);
        }

        var baseUri = new Uri($"http://127.0.0.1:{MosquittoFixture.FreeLoopbackPort()}");
        var tlsPort = MosquittoFixture.FreeLoopbackPort();
        await using var fleet = ChildProcess.StartBuiltTool("vsa-fleet",
            ["--contentRoot", Path.Combine(TestAssets.RepositoryRoot, "fleet-manager", "Vsa.Edge.FleetManager"), "--urls", baseUri.ToString(),
             "--Fleet:Broker:TlsPort", tlsPort.ToString(CultureInfo.InvariantCulture), "--Fleet:Storage:DataDirectory", data, "--Fleet:Models:DeliveryPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture)]);
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUri };
        http.DefaultRequestHeaders.Add("Origin", baseUri.GetLeftPart(UriPartial.Authority));
        await AgentToFleetTests.WaitReadyAsync(http, fleet);
        using (var login = await http.PostAsJsonAsync("/api/auth/login", new { name = Admin, password = Password }))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        // A fresh pole: enrolled, then self-tested.
        var clock = Stopwatch.StartNew();
        var state = Path.Combine(_work.FullName, "agent");
        using (var created = await http.PostAsJsonAsync("/api/enrolment-tokens", new { site = "Parvis de la gare", validFor = "00:10:00" }))
        {
            var token = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            await using var enrol = ChildProcess.StartBuiltTool("vsa-agent", ["enrol", "--fleet", baseUri.ToString(), "--token", token, "--device-id", DeviceId, "--data-dir", state]);
            Assert.True(await enrol.WaitForExitAsync(Guard) == 0, enrol.Output);
        }

        var config = WriteConfig(state, tlsPort);
        await using var selftest = ChildProcess.StartBuiltTool("vsa-agent",
            ["provision", "selftest", "--config", config, "--installer", "Jeanne Martin", "--no-prompt", "--seconds", "2", "--fleet", baseUri.ToString(), "--json", Path.Combine(_work.FullName, "selftest.json")],
            new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        var code = await selftest.WaitForExitAsync(Guard);
        output.WriteLine(selftest.Output);
        output.WriteLine($"enrolment + self-test: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.True(code == 0, selftest.Output);
        Assert.Contains("stored by the fleet", selftest.Output, StringComparison.Ordinal);
        var board = await http.GetFromJsonAsync<JsonElement>("/api/installations");
        var report = Assert.Single(board.EnumerateArray());
        Assert.Equal((DeviceId, "Jeanne Martin", true), (report.GetProperty("deviceId").GetString(), report.GetProperty("installer").GetString(), report.GetProperty("passed").GetBoolean()));
        var checks = report.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal(("pass", "pass", "pass", "pass", "pass"), (checks["fleet"], checks["broker"], checks["fleet.roundtrip"], checks["camera.vtest"], checks["model"]));
        Assert.True(report.GetProperty("figures").GetProperty("model.p95Ms").GetDouble() > 0);

        // The probe and the report are both on the device's history; neither is an alert.
        var history = await http.GetFromJsonAsync<JsonElement>($"/api/installations/{DeviceId}");
        Assert.Equal(["selfTest", "probe"], history.EnumerateArray().Select(r => r.GetProperty("kind").GetString()!).ToArray());
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>("/api/alerts")).EnumerateArray());
    }

    public void Dispose() => _work.Delete(recursive: true);

    private string WriteConfig(string state, int tlsPort)
    {
        var camera = Path.Combine(_work.FullName, "vtest-camera.json");
        File.WriteAllText(camera, JsonSerializer.Serialize(new
        {
            cameraId = "vtest",
            source = TestAssets.DemoClip,
            zones = new[] { new { id = "parvis", polygon = new[] { new[] { 0.1, 0.5 }, new[] { 0.9, 0.5 }, new[] { 0.9, 0.95 }, new[] { 0.1, 0.95 } } } },
            events = new[] { new { type = "intrusion", zones = new[] { "parvis" }, categories = new[] { "person" } } },
        }));
        var config = new
        {
            Agent = new { DeviceId, Cameras = new[] { camera }, DataDirectory = state, DevelopmentMode = true },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "CPU" } },
            Mqtt = new { Host = "127.0.0.1", Port = tlsPort, CredentialsDirectory = Path.Combine(state, "credentials") },
        };
        var path = Path.Combine(_work.FullName, "agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }
}
