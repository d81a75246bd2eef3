using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Testing;
using Xunit.Abstractions;
using static Vsa.Edge.EndToEnd.Tests.ManagedFleetRig;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// The kill switch across the built executables: a fleet-managed agent runs two cameras on the demo clip; an
/// administrator suspends one through the HTTP API; the device stops that camera's model runs (its heartbeat's counter
/// stops while the other camera's grows) and ends its open alert as <c>suspended</c>; restarted with its broker
/// unreachable it applies the state it kept on disk; back online, the resumption lets the camera run again. Through all
/// of it, nothing image-like is written. Every wait
/// follows the fleet's live stream (heartbeats, alerts) or the agent's log, each bounded by a guard.
/// </summary>
public sealed class KillSwitchEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string A = "cam-a";
    private const string B = "cam-b";
    private readonly string _work = ReplayRun.NewWorkDir();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Suspend_OneOfTwoCameras_StopsItsInferenceEndsItsAlertKeepsItOfflineAndResumesWritingNothingImageLike()
    {
        await using var rig = await ManagedFleetRig.StartAsync(_work, output, A, B);
        using (var put = await rig.Http.PutAsJsonAsync($"/api/devices/{DeviceId}/config", new JsonObject { ["cameras"] = new JsonArray(Camera(A), Camera(B)), ["expectedVersion"] = 0 }))
        {
            Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }

        await rig.WaitForDeviceAsync(c => c.GetProperty("appliedVersion") is { ValueKind: JsonValueKind.Number } v && v.GetInt64() == 1 && c.GetProperty("status").GetString() == "applied");
        var open = await rig.Live.WaitForAsync("alert", a => IsAlertOf(a, A) && State(a) == "start", Guard);
        rig.Mark($"both cameras run; alert {open.GetProperty("alertId").GetString()} open on {A}");

        // Suspend camera A.
        var seen = rig.Live.Count;
        long suspensionId;
        using (var suspended = await rig.Http.PostAsJsonAsync("/api/suspensions", new { scope = "camera", deviceId = DeviceId, cameraId = A, reason = "End-to-end test: stop camera A" }))
        {
            var body = await suspended.Content.ReadAsStringAsync();
            Assert.True(suspended.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, body);
            suspensionId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
        }

        // Two heartbeats saying A is suspended: the second's A counter is the frozen one (a run in flight at the first may
        // still have finished); then a heartbeat where B ran more while A did not.
        var first = await HealthAfterAsync(rig, seen, h => Cam(h, A).Suspended);
        var frozen = await HealthAfterAsync(rig, first.Index + 1, h => Cam(h, A).Suspended);
        var later = await HealthAfterAsync(rig, frozen.Index + 1, h => Cam(h, B).Inferences > Cam(frozen.Health, B).Inferences + 5);
        Assert.Equal(Cam(frozen.Health, A).Inferences, Cam(later.Health, A).Inferences);
        Assert.False(Cam(later.Health, B).Suspended);
        rig.Mark($"{A} frozen at {Cam(frozen.Health, A).Inferences} model runs while {B} went {Cam(frozen.Health, B).Inferences} → {Cam(later.Health, B).Inferences}");

        // Its open alerts ended as suspended, the one seen open among them.
        await rig.Live.WaitForAsync("alert", a => IsAlertOf(a, A) && a.GetProperty("alertId").GetString() == open.GetProperty("alertId").GetString() && State(a) == "end" && EndReason(a) == "suspended", Guard);
        await rig.Agent.WaitForLineAsync(l => l.Contains($"Camera {A}: analysis suspended", StringComparison.Ordinal), Guard);
        rig.Mark($"open alert on {A} ended: suspended");

        // Offline: restarted with its broker unreachable, the device applies its kept state before any camera runs.
        await rig.RestartAgentAsync(offline: true);
        await rig.Agent.WaitForLineAsync(l => l.Contains("kept in", StringComparison.Ordinal) && l.Contains("applied at start", StringComparison.Ordinal), Guard);
        await rig.Agent.WaitForLineAsync(l => l.Contains($"Camera {A}: analysis suspended", StringComparison.Ordinal), Guard);
        Assert.DoesNotContain($"Camera {B}: analysis suspended", rig.Agent.Output, StringComparison.Ordinal);
        rig.Mark($"offline restart: kept state applied, {A} suspended");

        // Online again: still suspended until an explicit resumption, then A runs again.
        // A heartbeat of the new process (the fleet's status events repeat the last heartbeat it had).
        seen = rig.Live.Count;
        var restarted = TimeProvider.System.GetUtcNow();
        await rig.RestartAgentAsync(offline: false);
        var back = await HealthAfterAsync(rig, seen, h => h.GetProperty("sentAt").GetDateTimeOffset() > restarted && Cam(h, A).Suspended && Cam(h, B).Inferences > 0);
        Assert.Equal(0, Cam(back.Health, A).Inferences);
        using (var resumed = await rig.Http.PostAsJsonAsync($"/api/suspensions/{suspensionId}/resume", new { reason = "End-to-end test: resume camera A" }))
        {
            Assert.True(resumed.IsSuccessStatusCode, await resumed.Content.ReadAsStringAsync());
        }

        var running = await HealthAfterAsync(rig, back.Index + 1, h => !Cam(h, A).Suspended && Cam(h, A).Inferences > 0);
        await HealthAfterAsync(rig, running.Index + 1, h => Cam(h, A).Inferences > Cam(running.Health, A).Inferences);
        rig.Mark($"resumed: {A} runs the model again");

        await rig.StopAsync();

        // Three runs of `run` on the clip, alerts raised and ended: nothing image-like in the agent's (or the fleet's)
        // folders, by extension, by magic bytes or as a blob inside a file (issue 14 item 5).
        var agentFiles = Directory.GetFiles(Path.Combine(_work, "agent"), "*", SearchOption.AllDirectories);
        Assert.Contains(agentFiles, f => f.EndsWith("state.json", StringComparison.Ordinal));
        Assert.Empty(ImageLikeFiles.Under(_work));

        // The scan does find one: a JPEG frame kept as a blob inside an otherwise innocent file.
        var canary = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "vsa-e2e-canary-" + Guid.NewGuid().ToString("N")[..8]));
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(canary.FullName, "outbox.db"), [.. "SQLite format 3\0"u8, 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF"u8]);
            Assert.Contains("JPEG/JFIF", Assert.Single(ImageLikeFiles.Under(canary.FullName)), StringComparison.Ordinal);
        }
        finally
        {
            canary.Delete(recursive: true);
        }
    }

    private static JsonObject Camera(string cameraId)
    {
        var camera = JsonNode.Parse(File.ReadAllText(ReplayRun.SampleCamera), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        camera["cameraId"] = cameraId;
        camera["source"] = TestAssets.DemoClip;

        // The whole frame: someone is nearly always in it, so an alert is open when the suspension arrives.
        camera["zones"]![0]!["polygon"] = new JsonArray(new JsonArray(0.0, 0.0), new JsonArray(1.0, 0.0), new JsonArray(1.0, 1.0), new JsonArray(0.0, 1.0));
        return camera;
    }

    // The first device event after index `from` whose heartbeat satisfies `match`, with its index in the stream.
    private static async Task<(JsonElement Health, int Index)> HealthAfterAsync(ManagedFleetRig rig, int from, Func<JsonElement, bool> match)
    {
        (JsonElement Health, int Index)? found = null;
        try
        {
            await rig.Live.WaitUntilAsync(
                items =>
                {
                    for (var i = from; i < items.Count; i++)
                    {
                        if (items[i].Type == "device" && items[i].Data.GetProperty("deviceId").GetString() == DeviceId
                            && items[i].Data.TryGetProperty("lastHealth", out var h) && h.ValueKind == JsonValueKind.Object
                            && h.GetProperty("cameras").GetArrayLength() == 2 && match(h))
                        {
                            found = (h, i);
                            return true;
                        }
                    }

                    return false;
                },
                "matching heartbeat",
                Guard);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n--- agent ---\n{rig.Agent.Output}", ex);
        }

        return found!.Value;
    }

    private static (long Inferences, bool Suspended) Cam(JsonElement health, string cameraId)
    {
        var camera = health.GetProperty("cameras").EnumerateArray().Single(c => c.GetProperty("cameraId").GetString() == cameraId);
        var inferences = camera.TryGetProperty("inferences", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : 0;
        var suspended = camera.TryGetProperty("suspended", out var s) && s.ValueKind == JsonValueKind.True;
        return (inferences, suspended);
    }

    private static bool IsAlertOf(JsonElement alert, string cameraId) =>
        alert.GetProperty("deviceId").GetString() == DeviceId && alert.GetProperty("cameraId").GetString() == cameraId;

    private static string? State(JsonElement alert) => alert.GetProperty("state").GetString()?.ToLowerInvariant();

    private static string? EndReason(JsonElement alert) =>
        alert.TryGetProperty("endReason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
}
