using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Testing;
using Xunit.Abstractions;
using static Vsa.Edge.EndToEnd.Tests.ManagedFleetRig;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// A staged model rollout across the built executables: the fleet manager with its embedded broker, one real agent on the
/// demo clip enrolled as the canary, and four devices played by the load generator (<c>vsa-fleet-loadgen model-devices</c>:
/// enrolled, on mutual TLS, answering desired models with <c>model/reported</c>). Real packages made by <c>vsa-model</c>
/// (genuine v2 and v4, and a v3 whose weights are scrambled after its validation set was computed), delivered over mTLS
/// HTTPS, validated by the agent; the canary named by the administrator, promote and abort through <c>vsa-fleet rollouts</c>. One fleet, one agent and one set of simulated devices serve the three scenarios in turn. The
/// test prints the figures: package size, rollout start → canary active, abort → every device back on its previous model.
/// </summary>
public sealed class RolloutEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Simulated = ["sim-01", "sim-02", "sim-03", "sim-04"];
    private static readonly string[] Everyone = [DeviceId, .. Simulated];
    private readonly string _work = ReplayRun.NewWorkDir();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Rollout_RealCanaryAndSimulatedDevices_GoodModelCompletesAbortRestoresEveryDeviceBrokenCanaryPausesBeforeTheFirstWave()
    {
        var keys = Path.Combine(_work, "keys");
        await RunModelToolAsync("keygen", "--out", keys);
        var packing = PackAsync(Path.Combine(keys, "model-signing.key"));
        await using var rig = await StartAsync(_work, output,
            ["--Fleet:Models:SigningKeys:0", Path.Combine(keys, "model-signing.pub.pem"), "--Fleet:Rollouts:IntervalSeconds", "1"],
            agent => agent["Models"] = new JsonObject
            {
                // A short soak, no frame-rate gate on a shared machine: the rollout, not the soak, is under test here.
                ["Soak"] = new JsonObject { ["Duration"] = "00:00:02", ["ObserveInterval"] = "00:00:01", ["MinFpsRatio"] = 0.0 },
            });
        await rig.PutConfigAsync(SampleCamera(), expectedVersion: 0, version: 1);
        await rig.WaitForAppliedAsync(1);
        await using var simulated = ChildProcess.StartBuiltTool("vsa-fleet-loadgen",
            ["model-devices", "--fleet", rig.Http.BaseAddress!.ToString(), "--admin", AdminName, "--devices", "4", "--step-ms", "100"]);
        await simulated.WriteStandardInputAsync(AdminPassword + "\n");
        await simulated.WaitForLineAsync(l => l.StartsWith("model-devices ready", StringComparison.Ordinal), Guard);
        var (v2, v3, v4) = await packing;
        var v2Sha = await UploadAsync(rig, v2);
        var v3Sha = await UploadAsync(rig, v3);
        var v4Sha = await UploadAsync(rig, v4);
        rig.Mark("camera applied, 4 simulated devices enrolled, v2, v3 and v4 uploaded");

        // A: a good v2, no soak: the real canary installs it (download over mTLS, verification, validation, switch, soak),
        // then wave 1 and wave 2 (simulated), completed; every device reports v2 active.
        var clock = Stopwatch.StartNew();
        var first = await StartRolloutAsync(rig, v2Sha, soakMinutes: 0);
        await WaitAsync(rig, first, r => Device(r, DeviceId).GetProperty("state").GetString() == "active", "the canary active");
        var canaryActive = clock.Elapsed;
        var completed = await WaitAsync(rig, first, r => r.GetProperty("status").GetString() == "completed", "the rollout completed");
        Assert.All(completed.GetProperty("stages").EnumerateArray(), s => Assert.Equal("passed", s.GetProperty("outcome").GetString()));
        var afterA = await WaitForModelsAsync(rig, m => Everyone.All(d => Active(m, d) == "2.0.0"), "every device on v2");
        var agentFigures = (await rig.Http.GetFromJsonAsync<JsonElement>($"/api/devices/{DeviceId}/models")).GetProperty("reported");
        rig.Mark($"A: canary active {canaryActive.TotalSeconds:F1} s after the start, completed after {clock.Elapsed.TotalSeconds:F1} s");

        // C: v4 (genuine): the canary passes, an administrator promotes it past its soak (CLI), wave 1 goes active, then the
        // rollout is aborted (CLI): every device that was sent v4 gets v2 back — the real agent from the slot it kept.
        clock.Restart();
        var second = await StartRolloutAsync(rig, v4Sha, soakMinutes: 60);
        await WaitAsync(rig, second, r => Device(r, DeviceId).GetProperty("state").GetString() == "active", "the canary active");
        var canaryActiveV4 = clock.Elapsed;
        await CliAsync(rig, "promote", second, "canary checked by hand");
        var wave1 = await WaitAsync(rig, second, r => Stage(r) == 1 && Simulated[..2].All(d => Device(r, d).GetProperty("state").GetString() == "active"), "wave 1 active");
        Assert.All(Simulated[2..], d => Assert.Equal("queued", Device(wave1, d).GetProperty("state").GetString()));
        clock.Restart();
        await CliAsync(rig, "abort", second, "end-to-end abort");
        var restored = await WaitForModelsAsync(rig, m => Everyone[..3].All(d => Active(m, d) == "2.0.0"), "the agent and wave 1 back on v2");
        var rollback = clock.Elapsed;
        var aborted = await GetAsync(rig, second);
        Assert.Equal("aborted", aborted.GetProperty("status").GetString());
        Assert.Equal(["restored", "restored", "restored", "queued", "queued"], Everyone.Select(d => Device(aborted, d).GetProperty("state").GetString()));
        Assert.Equal("active", Row(restored, DeviceId)!.Value.GetProperty("updateState").GetString());
        Assert.All(Simulated[2..], d => Assert.Equal("2.0.0", Update(restored, d)));
        rig.Mark($"C: canary active {canaryActiveV4.TotalSeconds:F1} s after the start; abort → agent and wave 1 back on v2 in {rollback.TotalSeconds:F1} s");

        // B: the scrambled v3 fails validation on the real canary: the rollout pauses before the first wave, with the
        // device's reason; no simulated device is told; the agent keeps v2.
        var third = await StartRolloutAsync(rig, v3Sha, soakMinutes: 0);
        var paused = await WaitAsync(rig, third, r => r.GetProperty("status").GetString() == "paused", "the rollout paused");
        Assert.Equal(0, Stage(paused));
        Assert.StartsWith($"canary: {DeviceId} reported failed: validation-failed", paused.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.All(Simulated, d => Assert.Equal("queued", Device(paused, d).GetProperty("state").GetString()));
        var afterB = await ModelsNowAsync(rig);
        Assert.Equal("2.0.0", Active(afterB, DeviceId));
        Assert.All(Simulated, d => Assert.Equal(("2.0.0", "2.0.0"), (Active(afterB, d), Update(afterB, d))));
        Assert.DoesNotContain("3.0.0", simulated.Output, StringComparison.Ordinal);
        rig.Mark($"B: paused: {paused.GetProperty("reason").GetString()}");

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FIGURES package v2 {new FileInfo(v2).Length / 1e6:F1} MB (2 validation frames); rollout start → canary (real agent) active: v2 {canaryActive.TotalSeconds:F1} s, v4 {canaryActiveV4.TotalSeconds:F1} s; " +
            $"abort → agent and wave 1 reporting v2 active again: {rollback.TotalSeconds:F1} s; the agent's v2 report: {agentFigures}"));
    }

    private async Task<(string V2, string V3, string V4)> PackAsync(string key)
    {
        // Two genuine models and a broken one, as docs/models.md makes them (2 validation frames to keep the test short):
        // v2 with another score threshold, v3 with scrambled weights (its validation set from the good model), v4 as converted.
        var v2Model = Path.Combine(_work, "model-v2");
        var v3Model = Path.Combine(_work, "model-v3");
        await Task.WhenAll(
            RunModelToolAsync("variant", "--model", TestAssets.NanoDetDirectory, "--out", v2Model, "--version", "2.0.0", "--score-threshold", "0.45"),
            RunModelToolAsync("variant", "--model", TestAssets.NanoDetDirectory, "--out", v3Model, "--version", "3.0.0", "--scramble-weights"));
        var v2 = Path.Combine(_work, "v2.vsamodel");
        var v3 = Path.Combine(_work, "v3.vsamodel");
        var v4 = Path.Combine(_work, "v4.vsamodel");
        string[] frames = ["--clip", TestAssets.DemoClip, "--frames", "2", "--frame-step", "300"];
        await Task.WhenAll(
            RunModelToolAsync(["pack", "--model", v2Model, "--version", "2.0.0", "--out", v2, .. frames]),
            RunModelToolAsync(["pack", "--model", v3Model, "--version", "3.0.0", "--out", v3, "--expect-from", TestAssets.NanoDetDirectory, .. frames]),
            RunModelToolAsync(["pack", "--model", TestAssets.NanoDetDirectory, "--version", "4.0.0", "--out", v4, .. frames]));
        await Task.WhenAll(
            RunModelToolAsync("sign", "--package", v2, "--key", key), RunModelToolAsync("sign", "--package", v3, "--key", key), RunModelToolAsync("sign", "--package", v4, "--key", key));
        return (v2, v3, v4);
    }

    private static async Task RunModelToolAsync(params string[] arguments)
    {
        await using var tool = ChildProcess.StartBuiltTool("vsa-model", arguments);
        Assert.True(await tool.WaitForExitAsync(Guard) == 0, tool.Output);
    }

    private static async Task<string> UploadAsync(ManagedFleetRig rig, string package)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(package));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await rig.Http.PostAsync("/api/models", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("sha256").GetString()!;
    }

    private static async Task<long> StartRolloutAsync(ManagedFleetRig rig, string sha, double soakMinutes)
    {
        // The admin names the canary: the real agent (red-team note L5). Wide p95/fps bounds: the machine is shared.
        using var response = await rig.Http.PostAsJsonAsync("/api/rollouts", new
        {
            package = sha, devices = Everyone, canary = new[] { DeviceId }, waves = new[] { 50.0, 100.0 },
            soakMinutes, maxP95Increase = 10.0, maxFpsDrop = 1.0, stageTimeoutMinutes = 10.0,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var view = JsonDocument.Parse(body).RootElement;
        Assert.Equal([1, 2, 2], view.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("devices").GetInt32()));
        return view.GetProperty("id").GetInt64();
    }

    private static async Task CliAsync(ManagedFleetRig rig, string action, long id, string reason)
    {
        await using var cli = ChildProcess.StartBuiltTool("vsa-fleet",
            ["rollouts", action, id.ToString(CultureInfo.InvariantCulture), "--reason", reason, "--fleet", rig.Http.BaseAddress!.ToString(), "--name", AdminName, "--password-stdin"]);
        await cli.WriteStandardInputAsync(AdminPassword + "\n");
        var exit = await cli.WaitForExitAsync(Guard);
        Assert.True(exit == 0, cli.Output);
        Assert.Contains($"Rollout #{id}", cli.Output, StringComparison.Ordinal);
    }

    private static Task<JsonElement> GetAsync(ManagedFleetRig rig, long id) => rig.Http.GetFromJsonAsync<JsonElement>($"/api/rollouts/{id}");

    private static async Task<JsonElement> WaitAsync(ManagedFleetRig rig, long id, Func<JsonElement, bool> condition, string what) =>
        await PollAsync(() => GetAsync(rig, id), condition, $"rollout {id}: {what}", rig);

    private static async Task<JsonElement> WaitForModelsAsync(ManagedFleetRig rig, Func<JsonElement, bool> condition, string what) =>
        await PollAsync(() => rig.Http.GetFromJsonAsync<JsonElement>("/api/rollouts/models"), condition, what, rig);

    private static Task<JsonElement> ModelsNowAsync(ManagedFleetRig rig) => rig.Http.GetFromJsonAsync<JsonElement>("/api/rollouts/models");

    // The rollout API is what an administrator watches: read it until the condition holds, bounded by the guard.
    private static async Task<JsonElement> PollAsync(Func<Task<JsonElement>> read, Func<JsonElement, bool> condition, string what, ManagedFleetRig rig)
    {
        var guard = Stopwatch.StartNew();
        JsonElement last;
        while (!condition(last = await read()))
        {
            if (guard.Elapsed > Guard)
            {
                throw new TimeoutException($"not reached within {Guard}: {what}\n{last}\n--- agent ---\n{rig.Agent.Output}");
            }

            await Task.Delay(200);
        }

        return last;
    }

    private static JsonElement Device(JsonElement rollout, string deviceId) =>
        rollout.GetProperty("devices").EnumerateArray().Single(d => d.GetProperty("deviceId").GetString() == deviceId);

    private static int Stage(JsonElement rollout) => rollout.GetProperty("stage").GetInt32();

    private static JsonElement? Row(JsonElement models, string deviceId) =>
        models.EnumerateArray().Where(m => m.GetProperty("deviceId").GetString() == deviceId).Select(m => (JsonElement?)m).FirstOrDefault();

    private static string? Active(JsonElement models, string deviceId) => Row(models, deviceId)?.GetProperty("activeVersion").GetString();

    private static string? Update(JsonElement models, string deviceId) =>
        Row(models, deviceId) is { } row && row.TryGetProperty("updateVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static JsonObject SampleCamera()
    {
        var camera = JsonNode.Parse(File.ReadAllText(ReplayRun.SampleCamera), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        camera["source"] = TestAssets.DemoClip;
        return camera;
    }
}
