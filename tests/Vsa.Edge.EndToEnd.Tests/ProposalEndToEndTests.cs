using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Testing;
using Xunit.Abstractions;
using static Vsa.Edge.EndToEnd.Tests.ManagedFleetRig;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// The installer's hand-over across the built executables: camera documents saved on the pole (as the set-up page saves
/// them, <c>{data}/proposals/{cameraId}.json</c>) wait there while the uplink is down, go to the fleet with the device's own
/// certificate once it is back, and an administrator applies or rejects them; an applied one runs on the device.
/// </summary>
public sealed class ProposalEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = ReplayRun.NewWorkDir();

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Proposal_SavedOfflineThenAppliedByAnAdministrator_TheDeviceRunsIt()
    {
        await using var rig = await ManagedFleetRig.StartAsync(_work, output);
        var proposals = Path.Combine(rig.AgentDataDirectory, "proposals");

        // Offline: a proposal for a camera the arrêté does not name stays on the pole.
        await rig.RestartAgentAsync(offline: true);
        Directory.CreateDirectory(proposals);
        var stray = Camera("vtest-2");
        await File.WriteAllTextAsync(Path.Combine(proposals, "vtest-2.json"), stray);
        await rig.Agent.WaitForLineAsync(l => l.Contains("Cannot reach MQTT broker", StringComparison.Ordinal) && l.Contains("attempt 2", StringComparison.Ordinal), Guard);
        Assert.True(File.Exists(Path.Combine(proposals, "vtest-2.json")));
        Assert.Empty(await ListAsync(rig));
        rig.Mark("offline: the proposal waits on the pole");

        // Back online: it goes, and leaves the folder only once the fleet has it.
        await rig.RestartAgentAsync(offline: false);
        await rig.Agent.WaitForLineAsync(l => l.Contains("Proposal for camera vtest-2 (", StringComparison.Ordinal), Guard);
        Assert.False(File.Exists(Path.Combine(proposals, "vtest-2.json")));
        Assert.Equal(stray, await File.ReadAllTextAsync(Path.Combine(proposals, "sent", "vtest-2.json")));
        var pending = Assert.Single(await ListAsync(rig));
        Assert.Equal(("vtest-2", "pending"), (pending.GetProperty("cameraId").GetString(), pending.GetProperty("status").GetString()));
        rig.Mark("online: proposal received by the fleet");

        // No arrêté names that camera: refused at apply time with the reason, then rejected.
        var id = pending.GetProperty("proposalId").GetString();
        using (var refused = await rig.Http.PostAsJsonAsync($"/api/devices/{DeviceId}/proposals/{id}/apply", new { expectedVersion = 0 }))
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.UnprocessableEntity, body);
            Assert.Contains("event 'intrusion' on camera 'vtest-2' of device 'pole-e2e' is not authorised", body, StringComparison.Ordinal);
        }

        using (var rejected = await rig.Http.PostAsJsonAsync($"/api/devices/{DeviceId}/proposals/{id}/reject", new { reason = "not in the arrêté" }))
        {
            Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        }

        // The authorised camera: applied as version 1, which the device runs and reports, raising alerts in its zone.
        await File.WriteAllTextAsync(Path.Combine(proposals, "vtest.json"), Camera(CameraId));
        await rig.Agent.WaitForLineAsync(l => l.Contains($"Proposal for camera {CameraId} (", StringComparison.Ordinal), Guard);
        var proposal = (await ListAsync(rig)).Single(p => p.GetProperty("cameraId").GetString() == CameraId);
        using (var applied = await rig.Http.PostAsJsonAsync($"/api/devices/{DeviceId}/proposals/{proposal.GetProperty("proposalId").GetString()}/apply", new { expectedVersion = 0 }))
        {
            Assert.True(applied.StatusCode == HttpStatusCode.OK, await applied.Content.ReadAsStringAsync());
        }

        await rig.WaitForAppliedAsync(1);
        await rig.Live.WaitForAsync("alert", a => a.GetProperty("deviceId").GetString() == DeviceId && a.GetProperty("zoneId").GetString() == "square", Guard);
        rig.Mark("proposal applied as version 1, running, first alert in zone square");
        await rig.StopAsync();
    }

    private static string Camera(string cameraId)
    {
        var camera = JsonNode.Parse(File.ReadAllText(ReplayRun.SampleCamera), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        camera["cameraId"] = cameraId;
        camera["source"] = TestAssets.DemoClip;
        return camera.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static async Task<List<JsonElement>> ListAsync(ManagedFleetRig rig) =>
        [.. (await rig.Http.GetFromJsonAsync<JsonElement>($"/api/devices/{DeviceId}/proposals")).EnumerateArray()];
}
