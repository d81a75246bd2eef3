using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Proposals;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.Proposals;

/// <summary>
/// Proposals sent by a device over the real embedded broker (the PUBACK comes once stored), then listed, applied and rejected
/// through the HTTP API: hostile ones refused with their reason, an unauthorised one refused at apply time, an applied one
/// published as the next desired version, everything audited.
/// </summary>
public sealed class ProposalApiTests
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task Receive_HostileProposals_RefusedWithTheirReasonsThenGenuineOnesStoredOnceReplacingTheCamerasPendingOne()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        using var admin = await fleet.ClientAsync(Role.Admin);
        var topic = Topics.ConfigProposal(device.DeviceId);
        var valid = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera());

        var otherDevice = ProposalSamples.Payload("pole-99", ConfigSamples.Camera());
        var badId = Spoil(valid, p => p["proposalId"] = "../../etc/passwd");
        var notObject = Spoil(valid, p => p["camera"] = "rm -rf /");
        var crossed = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera(polygon: "[[0.1,0.1],[0.9,0.9],[0.9,0.1],[0.1,0.9]]"));
        var unknownEvent = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera(eventType: "face_recognition"));
        var future = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera(), Now.AddDays(1));
        var wrongSchema = Spoil(valid, p => p["schema"] = "vsa.config.desired");
        var huge = Spoil(valid, p => p["camera"]!["name"] = new string('x', 70_000));
        foreach (var hostile in new[] { otherDevice, badId, notObject, crossed, unknownEvent, future, wrongSchema, huge })
        {
            await device.PublishRawAsync(topic, hostile.ToJsonString());
        }

        Assert.Empty(await ListAsync(admin, device.DeviceId));
        var letters = (await admin.GetFromJsonAsync("/api/ingestion/dead-letters", FleetJsonContext.Default.IReadOnlyListDeadLetterView))!.Reverse().ToList();
        Assert.Equal(
            ["device_mismatch", "invalid_content", "invalid_content", "invalid_content", "invalid_content", "timestamp_out_of_range", "unknown_schema", "payload_too_large"],
            letters.Select(l => l.Reason));
        Assert.All(letters, l => Assert.Equal("config_proposal", l.Kind));
        Assert.Contains("proposalId must be the SHA-256", letters[1].Detail, StringComparison.Ordinal);
        Assert.Contains("camera must be a camera document", letters[2].Detail, StringComparison.Ordinal);
        Assert.Contains("camera.zones[0].polygon", letters[3].Detail, StringComparison.Ordinal);
        Assert.Contains("self-intersecting", letters[3].Detail, StringComparison.Ordinal);
        Assert.Contains("face_recognition", letters[4].Detail, StringComparison.Ordinal);

        // The next genuine one is stored, once however often it is sent, and audited as received from the device.
        await device.PublishRawAsync(topic, valid.ToJsonString());
        await device.PublishRawAsync(topic, valid.ToJsonString());
        var stored = Assert.Single(await ListAsync(admin, device.DeviceId));
        Assert.Equal((ProposalStatus.Pending, "cam-1", (string?)valid["proposalId"]), (stored.Status, stored.CameraId, stored.ProposalId));
        Assert.Equal(["new camera: 1 zone(s), 1 line(s), 1 mask(s), events intrusion"], stored.Differences);
        Assert.DoesNotContain("s3cret", stored.Document.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("quai", Assert.Single(stored.Layout.Zones).Id);
        var audit = await AuditAsync(admin);
        var received = Assert.Single(audit, e => e!["action"]!.GetValue<string>() == ProposalAuditActions.Received);
        Assert.Equal("device:pole-12", received!["actor"]!.GetValue<string>());

        // A newer proposal for the same camera replaces the pending one; another camera's waits beside it.
        var second = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera(polygon: "[[0.3,0.3],[0.7,0.3],[0.7,0.7]]"));
        var other = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera("cam-2"));
        await device.PublishRawAsync(topic, second.ToJsonString());
        await device.PublishRawAsync(topic, other.ToJsonString());
        var listed = await ListAsync(admin, device.DeviceId);
        Assert.Equal(new[] { (string)other["proposalId"]!, (string)second["proposalId"]! }.Order(), listed.Where(p => p.Status == ProposalStatus.Pending).Select(p => p.ProposalId).Order());
        Assert.Equal(ProposalStatus.Superseded, Assert.Single(listed, p => p.ProposalId == (string?)valid["proposalId"]).Status);

        // An id once seen never carries other content: the device cannot swap what an administrator reviewed.
        var swapped = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera("cam-3"));
        swapped["proposalId"] = (string?)valid["proposalId"];
        await device.PublishRawAsync(topic, swapped.ToJsonString());
        Assert.DoesNotContain(await ListAsync(admin, device.DeviceId), p => p.CameraId == "cam-3");

        // Per device, for the administrator: what waits, what the review list shows, what was refused and why.
        var summary = Assert.Single((await admin.GetFromJsonAsync<IReadOnlyList<ProposalDeviceSummary>>("/api/proposals/devices", JsonSerializerOptions.Web))!);
        Assert.Equal(("pole-12", 2, 2, 8), (summary.DeviceId, summary.Pending, summary.Listed, summary.Refused));
        Assert.Equal(letters[^1].Detail, summary.LastRefusal);
    }

    [Fact]
    public async Task Apply_ProposalForACameraNoArreteCovers_RefusedWithTheReasonThenRejectedAndAudited()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        using var admin = await fleet.ClientAsync(Role.Admin);
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        var proposal = ProposalSamples.Payload(device.DeviceId, ConfigSamples.Camera("cam-7"));
        await device.PublishRawAsync(Topics.ConfigProposal(device.DeviceId), proposal.ToJsonString());
        var id = (string)proposal["proposalId"]!;

        using var refused = await admin.PostAsJsonAsync($"/api/devices/pole-12/proposals/{id}/apply", new { expectedVersion = 0 });
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("Event not authorised", (string?)problem["title"]);
        Assert.Contains("event 'intrusion' on camera 'cam-7' of device 'pole-12' is not authorised", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Contains("no authorisation names this camera", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Null((await GetConfigAsync(admin, "pole-12")).Desired);
        Assert.Equal(ProposalStatus.Pending, Assert.Single(await ListAsync(admin, "pole-12")).Status);

        using var noReason = await admin.PostAsJsonAsync($"/api/devices/pole-12/proposals/{id}/reject", new { reason = " " });
        using var rejected = await admin.PostAsJsonAsync($"/api/devices/pole-12/proposals/{id}/reject", new { reason = "camera 7 is not in the arrêté" });
        using var again = await admin.PostAsJsonAsync($"/api/devices/pole-12/proposals/{id}/apply", new { expectedVersion = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var view = Assert.Single(await ListAsync(admin, "pole-12"));
        Assert.Equal((ProposalStatus.Rejected, "camera 7 is not in the arrêté"), (view.Status, view.Reason));
        var entry = Assert.Single(await AuditAsync(admin), e => e!["action"]!.GetValue<string>() == ProposalAuditActions.Rejected);
        Assert.Contains("camera 7 is not in the arr", entry!["details"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_AuthorisedProposal_BecomesTheNextDesiredVersionPublishedAndAuditedForAdminsOnly()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        using var admin = await fleet.ClientAsync(Role.Admin);
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera(), ConfigSamples.Camera("cam-2", enabled: false)], expectedVersion: 0));
        var moved = ConfigSamples.Camera(polygon: "[[0.2,0.2],[0.8,0.2],[0.8,0.8],[0.2,0.8]]");
        var proposal = ProposalSamples.Payload(device.DeviceId, moved);
        await device.PublishRawAsync(Topics.ConfigProposal(device.DeviceId), proposal.ToJsonString());
        var id = (string)proposal["proposalId"]!;
        var listed = Assert.Single(await ListAsync(admin, "pole-12"));
        Assert.Equal(1L, listed.BaseVersion);
        Assert.Equal(["zone 'quai' changed"], listed.Differences);

        // The console's review list (every device's pending ones) and one proposal alone: the current document comes with
        // it for the drawing, its password masked as the proposal's.
        var pending = Assert.Single((await admin.GetFromJsonAsync<IReadOnlyList<ProposalView>>("/api/proposals", JsonSerializerOptions.Web))!);
        var one = (await admin.GetFromJsonAsync<ProposalView>($"/api/devices/pole-12/proposals/{id}", JsonSerializerOptions.Web))!;
        Assert.Equal((id, id), (pending.ProposalId, one.ProposalId));
        Assert.Equal("rtsp://viewer:***@10.0.0.12/stream1", one.CurrentDocument!.Value.GetProperty("source").GetString());
        Assert.Equal(0.1, one.CurrentDocument!.Value.GetProperty("zones")[0].GetProperty("polygon")[0][0].GetDouble());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/devices/pole-12/proposals/{new string('0', 64)}")).StatusCode);

        using var @operator = await fleet.ClientAsync(Role.Operator);
        Assert.Equal(HttpStatusCode.Forbidden, (await @operator.GetAsync("/api/devices/pole-12/proposals")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await @operator.GetAsync("/api/proposals")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await @operator.GetAsync("/api/proposals/devices")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await @operator.GetAsync($"/api/devices/pole-12/proposals/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await @operator.PostAsJsonAsync($"/api/devices/pole-12/proposals/{id}/apply", new { expectedVersion = 1 })).StatusCode);
        using var stale = await admin.PostAsJsonAsync($"/api/devices/pole-12/proposals/{id}/apply", new { expectedVersion = 0 });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);

        await using var subscriber = await DesiredSubscriber.SubscribeAsync(fleet, "pole-12");
        using var applied = await admin.PostAsJsonAsync($"/api/devices/pole-12/proposals/{id}/apply", new { expectedVersion = 1 });
        var view = await applied.Content.ReadFromJsonAsync<ProposalView>(JsonSerializerOptions.Web);
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        Assert.Equal((ProposalStatus.Applied, 2L), (view!.Status, view.AppliedVersion));
        var (published, _) = await subscriber.NextAsync(m => m.Version == 2);
        Assert.Equal(["cam-2", "cam-1"], published.Cameras.Select(c => c.GetProperty("cameraId").GetString()));
        Assert.Equal(0.2, published.Cameras[1].GetProperty("zones")[0].GetProperty("polygon")[0][0].GetDouble());
        Assert.Empty((await admin.GetFromJsonAsync<IReadOnlyList<ProposalView>>("/api/proposals", JsonSerializerOptions.Web))!);

        var actions = (await AuditAsync(admin)).Select(e => e!["action"]!.GetValue<string>()).ToList();
        Assert.Equal(1, actions.Count(a => a == ProposalAuditActions.Applied));
        Assert.Equal(2, actions.Count(a => a == "config.change"));
    }

    private static JsonObject Spoil(JsonObject payload, Action<JsonObject> change)
    {
        var copy = payload.DeepClone().AsObject();
        change(copy);
        return copy;
    }

    private static async Task<IReadOnlyList<ProposalView>> ListAsync(HttpClient admin, string deviceId) =>
        (await admin.GetFromJsonAsync<IReadOnlyList<ProposalView>>($"/api/devices/{deviceId}/proposals", JsonSerializerOptions.Web))!;

    private static async Task<JsonArray> AuditAsync(HttpClient admin) =>
        JsonNode.Parse(await admin.GetStringAsync("/api/audit?limit=500"))!.AsArray();
}
