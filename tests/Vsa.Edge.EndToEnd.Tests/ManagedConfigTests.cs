using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Testing;
using Xunit.Abstractions;
using static Vsa.Edge.EndToEnd.Tests.ManagedFleetRig;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// The managed-configuration round trip (desired → agent → reported) across the built executables: an administrator puts
/// a camera configuration on the fleet manager's HTTP API; an agent started with no camera of its own receives it over
/// the embedded broker, runs it on the demo clip, reports it back and raises alerts. Changes, a version the device
/// refuses and a withdrawn authorisation go the same way. Waits follow the fleet's live stream (its <c>device</c> and
/// <c>alert</c> events), each bounded by a guard.
/// </summary>
public sealed class ManagedConfigTests(ITestOutputHelper output) : IDisposable
{
    private static readonly double[][] Forecourt = [[0.25, 0.38], [0.80, 0.34], [0.98, 0.58], [0.98, 0.80], [0.60, 0.74], [0.25, 0.56]];
    private readonly string _work = ReplayRun.NewWorkDir();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task DesiredConfiguration_ManagedAgentWithoutLocalCameras_RunsReportsAndFollowsEveryChange()
    {
        await using var rig = await ManagedFleetRig.StartAsync(_work, output);

        // Version 1: the sample camera on the demo clip, applied, reported, and raising alerts in its zone.
        await rig.PutConfigAsync(SampleCamera(), expectedVersion: 0, version: 1);
        var v1 = await rig.WaitForAppliedAsync(1);
        Assert.Equal(Reference, Assert.Single(v1.GetProperty("authorisations").EnumerateArray()).GetProperty("reference").GetString());
        rig.Mark("version 1 applied");
        var alert = await rig.Live.WaitForAsync("alert", a => IsOurs(a, "square"), Guard);
        var stored = await rig.Http.GetFromJsonAsync<JsonElement>($"/api/alerts?deviceId={DeviceId}&limit=500");
        Assert.Contains(stored.EnumerateArray(), a => a.GetProperty("alertId").GetString() == alert.GetProperty("alertId").GetString() && IsOurs(a, "square"));
        await rig.AssertLayoutAsync("square", SamplePolygon());
        rig.Mark("first alert in zone square");

        // Version 2: another zone, swapped into the running pipeline; alerts now name it.
        await rig.PutConfigAsync(Camera("forecourt", Forecourt), expectedVersion: 1, version: 2);
        await rig.WaitForAppliedAsync(2);
        await rig.AssertLayoutAsync("forecourt", Forecourt);
        await rig.Live.WaitForAsync("alert", a => IsOurs(a, "forecourt"), Guard);
        rig.Mark("version 2 applied, first alert in zone forecourt");

        // Withdrawal: the end date brought forward re-issues the configuration (version 3) without the window, and the
        // device stops the event by itself.
        var withdrawn = Authorisation(rig.AuthorisedFrom, TimeProvider.System.GetUtcNow().AddMinutes(-1));
        using (var changed = await rig.Http.PutAsJsonAsync($"/api/authorisations/{rig.AuthorisationId}", withdrawn))
        {
            Assert.True(changed.StatusCode == HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        }

        var v3 = await rig.WaitForAppliedAsync(3);
        Assert.Empty(v3.GetProperty("authorisations").EnumerateArray());
        Assert.Empty((await rig.ConfigAsync()).GetProperty("desired").GetProperty("authorisations").EnumerateArray());
        await rig.Agent.WaitForLineAsync(l => l.Contains($"Event intrusion on camera {CameraId} stopped", StringComparison.Ordinal), Guard);
        rig.Mark("authorisation withdrawn: version 3 applied, intrusion stopped on the device");

        // Its open alerts end at the next frame: every alert the device raised is closed, on the stream and in the store.
        await rig.Live.WaitUntilAsync(EveryAlertEnded, "end for every alert of the device", Guard);
        var closed = await rig.Http.GetFromJsonAsync<JsonElement>($"/api/alerts?deviceId={DeviceId}&limit=500");
        Assert.NotEmpty(closed.EnumerateArray());
        Assert.All(closed.EnumerateArray(), a => Assert.Equal("end", a.GetProperty("state").GetString(), ignoreCase: true));
        rig.Mark($"{closed.GetArrayLength()} alert(s), all ended");

        await rig.StopAsync();
    }

    [Fact]
    public async Task DesiredConfiguration_VersionTheDeviceRefuses_ShowsDriftWhileThePreviousVersionKeepsRunning()
    {
        await using var rig = await ManagedFleetRig.StartAsync(_work, output);
        await rig.PutConfigAsync(SampleCamera(), expectedVersion: 0, version: 1);
        await rig.WaitForAppliedAsync(1);
        await rig.Live.WaitForAsync("alert", a => IsOurs(a, "square"), Guard);
        rig.Mark("version 1 applied, first alert in zone square");

        // The fleet checks camera documents with the agent's own validator but cannot know the device's model: a
        // category that model lacks passes the fleet and is refused by the device, whole.
        var refused = Camera("forecourt", Forecourt);
        refused["events"]![0]!["categories"] = new JsonArray("person", "drone");
        await rig.PutConfigAsync(refused, expectedVersion: 1, version: 2);
        await rig.WaitForDeviceAsync(c => c.GetProperty("status").GetString() == "rejected" && c.GetProperty("drift").GetBoolean());
        var seen = rig.Live.Count;
        var view = await rig.ConfigAsync();
        var reported = view.GetProperty("reported");
        Assert.Equal(2, view.GetProperty("desired").GetProperty("version").GetInt64());
        Assert.Equal("rejected", reported.GetProperty("status").GetString());
        Assert.Equal(2, reported.GetProperty("lastReceivedVersion").GetInt64());
        Assert.Equal(1, reported.GetProperty("appliedVersion").GetInt64());
        var error = Assert.Single(reported.GetProperty("errors").EnumerateArray()).GetString()!;
        Assert.Contains("categories[1]", error, StringComparison.Ordinal);
        Assert.Contains("'drone'", error, StringComparison.Ordinal);
        Assert.True(view.GetProperty("drift").GetBoolean());
        Assert.Contains(view.GetProperty("driftReasons").EnumerateArray(), r => r.GetString()!.StartsWith("rejected version 2", StringComparison.Ordinal));
        await rig.AssertLayoutAsync("square", SamplePolygon());
        rig.Mark("version 2 rejected by the device, drift shown");

        // Version 1 keeps running: a new alert starts in its zone after the refusal.
        await rig.Live.WaitUntilAsync(
            items => items.Skip(seen).Any(i => i.Type == "alert" && IsOurs(i.Data, "square") && string.Equals(i.Data.GetProperty("state").GetString(), "start", StringComparison.OrdinalIgnoreCase)),
            "new alert in zone square after the refusal",
            Guard);
        rig.Mark("a new alert in zone square: version 1 still runs");

        // A corrected version 3 is applied and the drift clears.
        await rig.PutConfigAsync(Camera("forecourt", Forecourt), expectedVersion: 2, version: 3);
        await rig.WaitForAppliedAsync(3);
        await rig.AssertLayoutAsync("forecourt", Forecourt);
        rig.Mark("version 3 applied, no drift");

        await rig.StopAsync();
    }

    /// <summary>The sample camera file, as shipped, pointing at the demo clip (files play at their own pace in <c>run</c>).</summary>
    private static JsonObject SampleCamera()
    {
        var camera = JsonNode.Parse(File.ReadAllText(ReplayRun.SampleCamera), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        camera["source"] = TestAssets.DemoClip;
        return camera;
    }

    private static double[][] SamplePolygon() =>
        [.. SampleCamera()["zones"]![0]!["polygon"]!.AsArray().Select(p => p!.AsArray().Select(v => v!.GetValue<double>()).ToArray())];

    /// <summary>The sample camera with one other zone, which its intrusion event watches.</summary>
    private static JsonObject Camera(string zoneId, double[][] polygon)
    {
        var camera = SampleCamera();
        camera["zones"] = new JsonArray(new JsonObject
        {
            ["id"] = zoneId,
            ["name"] = "Forecourt, widened",
            ["polygon"] = new JsonArray([.. polygon.Select(p => new JsonArray([.. p.Select(v => (JsonNode)v)]))]),
        });
        camera["events"]![0]!["zones"] = new JsonArray(zoneId);
        return camera;
    }

    private static bool IsOurs(JsonElement alert, string zoneId) =>
        alert.GetProperty("deviceId").GetString() == DeviceId && alert.GetProperty("cameraId").GetString() == CameraId && alert.GetProperty("zoneId").GetString() == zoneId;

    private static bool EveryAlertEnded(IReadOnlyList<LiveItem> items)
    {
        var alerts = items.Where(i => i.Type == "alert" && i.Data.GetProperty("deviceId").GetString() == DeviceId).ToList();
        return alerts.Count > 0 && alerts
            .GroupBy(a => a.Data.GetProperty("alertId").GetString())
            .All(g => g.Any(a => string.Equals(a.Data.GetProperty("state").GetString(), "end", StringComparison.OrdinalIgnoreCase)));
    }
}
