using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Suspensions;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;

namespace Vsa.Edge.FleetManager.Tests.Suspensions;

/// <summary>
/// The kill switch on the fleet: who may suspend (administrators and supervisors, not operators), what is audited, what each
/// device receives (a signed, retained, versioned state on its own topic), and alerts arriving during a global suspension.
/// </summary>
public sealed class SuspensionApiTests
{
    [Theory]
    [InlineData(Role.Operator)]
    [InlineData(Role.Auditor)]
    public async Task Suspend_RoleWithoutTheRight_Forbidden(Role role)
    {
        await using var fleet = await FleetApp.StartAsync();
        using var client = await fleet.ClientAsync(role);

        var suspend = await client.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Global, reason: "test of the operator's rights"), FleetJsonContext.Default.SuspensionRequest);
        var resume = await client.PostAsJsonAsync("/api/suspensions/1/resume", new ResumeRequest("end of the test"), FleetJsonContext.Default.ResumeRequest);
        var list = await client.GetFromJsonAsync("/api/suspensions", FleetJsonContext.Default.SuspensionList);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (suspend.StatusCode, resume.StatusCode));
        Assert.Empty(list!.Active);
    }

    [Fact]
    public async Task Suspend_Camera_AuditedSignedRetainedAndResumedWithANewerVersion()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var supervisor = await fleet.ClientAsync(Role.Supervisor);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-12");
        var verifier = new SignedMessageVerifier(SigningKeys.ReadPublicKeys(Assert.Single(device.Response.SigningKeys).PublicKeyPem));

        var created = await supervisor.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Camera, device: "pole-12", camera: "cam-1", reason: "réquisition du préfet"), FleetJsonContext.Default.SuspensionRequest);
        var suspension = await created.Content.ReadFromJsonAsync(FleetJsonContext.Default.SuspensionView);
        var first = await RetainedStateAsync(fleet, device, verifier, after: 0);
        var reader = fleet.Services.GetRequiredService<ISuspensionReader>();
        var (camera, other, whole) = (await reader.IsSuspendedAsync("pole-12", "cam-1", default), await reader.IsSuspendedAsync("pole-12", "cam-2", default), await reader.IsSuspendedAsync("pole-12", null, default));
        var resumed = await admin.PostAsJsonAsync($"/api/suspensions/{suspension!.Id}/resume", new ResumeRequest("levée de la réquisition"), FleetJsonContext.Default.ResumeRequest);
        var second = await RetainedStateAsync(fleet, device, verifier, after: first.Version);
        var again = await admin.PostAsJsonAsync($"/api/suspensions/{suspension.Id}/resume", new ResumeRequest("twice"), FleetJsonContext.Default.ResumeRequest);
        var audit = await admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);
        var suspend = Assert.Single(audit!, e => e.Action == SuspensionService.SuspendAction);
        var resume = Assert.Single(audit!, e => e.Action == SuspensionService.ResumeAction);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal((SuspensionScope.Camera, "pole-12", "cam-1", "réquisition du préfet", true), (suspension.Scope, suspension.DeviceId, suspension.CameraId, suspension.Reason, suspension.Active));
        Assert.Equal((true, false, false), (camera, other, whole));
        Assert.Equal(("pole-12", null, "cam-1", "réquisition du préfet"), (first.DeviceId, first.Device, Assert.Single(first.Cameras).CameraId, first.Cameras[0].Reason));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound), (resumed.StatusCode, again.StatusCode));
        Assert.Empty(second.Cameras);
        Assert.Null(second.Device);
        Assert.StartsWith("supervisor-", suspend.Actor, StringComparison.Ordinal);
        Assert.Equal("camera:pole-12/cam-1", suspend.Target);
        Assert.Equal(("réquisition du préfet", "camera"), ((string?)JsonNode.Parse(suspend.Details)!["reason"], (string?)JsonNode.Parse(suspend.Details)!["scope"]));
        Assert.Equal("levée de la réquisition", (string?)JsonNode.Parse(resume.Details)!["reason"]);
        Assert.StartsWith("admin-", resume.Actor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Suspend_InvalidRequests_ProblemNamingTheField()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);

        var noReason = await admin.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Global, reason: " "), FleetJsonContext.Default.SuspensionRequest);
        var noDevice = await admin.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Camera, camera: "cam-1", reason: "a reason"), FleetJsonContext.Default.SuspensionRequest);
        var unknown = await admin.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Device, device: "nowhere", reason: "a reason"), FleetJsonContext.Default.SuspensionRequest);
        var list = await admin.GetFromJsonAsync("/api/suspensions", FleetJsonContext.Default.SuspensionList);

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (noReason.StatusCode, noDevice.StatusCode, unknown.StatusCode));
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("deviceId", await noDevice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(list!.Recent);
    }

    [Fact]
    public async Task Suspend_SiteThenGlobal_EveryDeviceOfTheSiteThenAllSuspended()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var onSite = await TrustedDevice.EnrolAsync(fleet, admin, "pole-1");
        await fleet.KnowDeviceAsync("pole-elsewhere");
        var reader = fleet.Services.GetRequiredService<ISuspensionReader>();

        var site = await admin.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Site, site: "Gare Saint-Charles", reason: "manifestation"), FleetJsonContext.Default.SuspensionRequest);
        var afterSite = (await reader.IsSuspendedAsync("pole-1", "any", default), await reader.IsSuspendedAsync("pole-elsewhere", null, default));
        var global = await admin.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Global, reason: "décision du maire"), FleetJsonContext.Default.SuspensionRequest);
        var afterGlobal = await reader.IsSuspendedAsync("pole-elsewhere", null, default);
        var states = await fleet.Services.GetRequiredService<SuspensionStates>().ListAsync(default);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (site.StatusCode, global.StatusCode));
        Assert.Equal((true, false), afterSite);
        Assert.True(afterGlobal);
        var pole1 = JsonSerializer.Deserialize(Assert.Single(states, s => s.DeviceId == "pole-1").Payload, ContractsJsonContext.Default.SuspensionStateMessage)!;
        var elsewhere = JsonSerializer.Deserialize(Assert.Single(states, s => s.DeviceId == "pole-elsewhere").Payload, ContractsJsonContext.Default.SuspensionStateMessage)!;
        Assert.Equal(("site", "global"), (pole1.Device!.Scope, elsewhere.Device!.Scope));
        Assert.True(pole1.Version >= pole1.IssuedAt.ToUnixTimeMilliseconds(), "the version is the time of issue (SuspensionVersions)");
        Assert.True(elsewhere.Version >= elsewhere.IssuedAt.ToUnixTimeMilliseconds(), "the version is the time of issue (SuspensionVersions)");
    }

    [Fact]
    public async Task Enrol_AfterAGlobalSuspension_NewDeviceHasItsSuspendedStateBeforeItConnects()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        await fleet.KnowDeviceAsync("pole-before");
        var global = await admin.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Global, reason: "décision du maire"), FleetJsonContext.Default.SuspensionRequest);

        using var late = await TrustedDevice.EnrolAsync(fleet, admin, "pole-late");
        var states = await fleet.Services.GetRequiredService<SuspensionStates>().ListAsync(default);

        Assert.Equal(HttpStatusCode.Created, global.StatusCode);
        var state = JsonSerializer.Deserialize(Assert.Single(states, s => s.DeviceId == "pole-late").Payload, ContractsJsonContext.Default.SuspensionStateMessage)!;
        Assert.Equal("global", state.Device!.Scope);
    }

    [Fact]
    public async Task Ingest_DuringGlobalSuspension_StoredFlaggedAndNotForwardedToTheLiveQueue()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        await fleet.KnowDeviceAsync("pole-7");
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-7");
        using var tap = fleet.Tap();
        var before = Samples.AlertStart("pole-7", startedAt: DateTimeOffset.UtcNow.AddMinutes(-1));
        await device.PublishAsync(before);
        await fleet.WaitForAlertAsync(before.AlertId);

        var created = await admin.PostAsJsonAsync("/api/suspensions", Request(SuspensionScope.Global, reason: "décision du maire"), FleetJsonContext.Default.SuspensionRequest);
        var during = Samples.AlertStart("pole-7", startedAt: DateTimeOffset.UtcNow.AddSeconds(1));
        await device.PublishAsync(during);
        await fleet.WaitForAlertAsync(during.AlertId);
        var queueDuring = await PendingIdsAsync(admin);
        var suspension = await created.Content.ReadFromJsonAsync(FleetJsonContext.Default.SuspensionView);
        await admin.PostAsJsonAsync($"/api/suspensions/{suspension!.Id}/resume", new ResumeRequest("fin"), FleetJsonContext.Default.ResumeRequest);
        var queueAfterResume = await PendingIdsAsync(admin);
        var after = Samples.AlertStart("pole-7", startedAt: DateTimeOffset.UtcNow.AddSeconds(2));
        await device.PublishAsync(after);
        var seen = new List<string>();
        var forwarded = await tap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, a =>
        {
            seen.Add(a.AlertId);
            return a.AlertId == after.AlertId;
        });
        var database = fleet.Services.GetRequiredService<FleetDatabase>();

        Assert.Equal(suspension.Id, await SuspendedArrivals.FindAsync(database, during.AlertId, default));
        Assert.Null(await SuspendedArrivals.FindAsync(database, before.AlertId, default));
        Assert.Null(await SuspendedArrivals.FindAsync(database, after.AlertId, default));
        Assert.Equal(after.AlertId, forwarded.AlertId);
        Assert.Contains(before.AlertId, seen);
        Assert.DoesNotContain(during.AlertId, seen);

        // A console loaded during the suspension does not list it either; after the resumption it awaits review.
        Assert.Contains(before.AlertId, queueDuring);
        Assert.DoesNotContain(during.AlertId, queueDuring);
        Assert.Contains(during.AlertId, queueAfterResume);
    }

    private static async Task<List<string>> PendingIdsAsync(HttpClient http)
    {
        var alerts = await http.GetFromJsonAsync("/api/alerts?decision=pending&limit=5000", FleetJsonContext.Default.IReadOnlyListAlertView);
        return [.. alerts!.Select(a => a.AlertId)];
    }

    private static SuspensionRequest Request(SuspensionScope scope, string? site = null, string? device = null, string? camera = null, string? reason = null) =>
        new(scope, site, device, camera, reason);

    // What a device connecting now receives on its suspension topic (the retained copy, then each new state): the first newer than `after`.
    private static async Task<SuspensionStateMessage> RetainedStateAsync(FleetApp fleet, TrustedDevice device, SignedMessageVerifier verifier, long after)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var received = System.Threading.Channels.Channel.CreateUnbounded<byte[]>();
        using var client = new MQTTnet.MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Writer.TryWrite(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await client.ConnectAsync(device.Options(fleet.TlsPort), guard.Token);
        await client.SubscribeAsync(new MQTTnet.MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.Suspension(device.DeviceId), MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), guard.Token);
        while (true)
        {
            var payload = await received.Reader.ReadAsync(guard.Token);
            Assert.True(verifier.TryVerify(payload, SuspensionStateMessage.SchemaId, out var verified, out var error), error);
            var state = JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.SuspensionStateMessage)!;
            if (state.Version > after)
            {
                await client.DisconnectAsync(new MQTTnet.MqttClientDisconnectOptionsBuilder().Build(), guard.Token);
                return state;
            }
        }
    }
}
