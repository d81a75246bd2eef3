using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.Authorisations;

/// <summary>
/// <c>/api/authorisations</c> on the real fleet manager: administrators record and change the arrêtés, everyone signed in
/// reads them, every change is audited, and a change reaches the configured devices as a new desired version.
/// </summary>
public sealed class AuthorisationApiTests
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task Create_Admin_StoredReadableByEveryoneAndAudited()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.SignInAsync(Role.Admin, "alice");
        using var op = await fleet.ClientAsync(Role.Operator);
        using var auditor = await fleet.ClientAsync(Role.Auditor);

        var response = await admin.PostAsJsonAsync("/api/authorisations", ConfigSamples.Authorisation("pole-12", Now, Now.AddDays(90), "2026-DPG-0412", "intrusion", "fire"), FleetJsonContext.Default.AuthorisationRequest);
        var created = (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.AuthorisationView))!;
        var listed = await op.GetFromJsonAsync("/api/authorisations", FleetJsonContext.Default.IReadOnlyListAuthorisationView);
        var read = await auditor.GetFromJsonAsync(response.Headers.Location!.ToString(), FleetJsonContext.Default.AuthorisationView);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(("2026-DPG-0412", "alice"), (created.Reference, created.CreatedBy));
        Assert.Equal(["intrusion", "fire"], created.Events);
        Assert.Equal(created.Id, Assert.Single(listed!).Id);
        Assert.Equal(created.EndsAt, read!.EndsAt);
        var entry = Assert.Single(await AuditAsync(auditor), e => e.Action == AuditActions.AuthorisationChanged);
        Assert.Equal(("alice", "authorisation:2026-DPG-0412"), (entry.Actor, entry.Target));
        var details = JsonNode.Parse(entry.Details)!;
        Assert.Equal("create", (string?)details["operation"]);
        Assert.Equal("pole-12", (string?)details["after"]!["cameras"]![0]!["deviceId"]);
    }

    [Fact]
    public async Task Create_InvalidDuplicateOrNotAdmin_Refused()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var op = await fleet.ClientAsync(Role.Operator);
        var valid = ConfigSamples.Authorisation("pole-12", Now, Now.AddDays(90));
        await AuthoriseAsync(admin, valid);

        var invalid = await admin.PostAsJsonAsync("/api/authorisations", valid with { Reference = "other", Events = ["facial_recognition"], EndsAt = Now }, FleetJsonContext.Default.AuthorisationRequest);
        var duplicate = await admin.PostAsJsonAsync("/api/authorisations", valid, FleetJsonContext.Default.AuthorisationRequest);
        var byOperator = await op.PostAsJsonAsync("/api/authorisations", valid with { Reference = "other" }, FleetJsonContext.Default.AuthorisationRequest);
        var unknown = await admin.PutAsJsonAsync("/api/authorisations/999", valid, FleetJsonContext.Default.AuthorisationRequest);

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = JsonNode.Parse(await invalid.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("events[0]") && errors.ContainsKey("endsAt"), errors.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Single((await op.GetFromJsonAsync("/api/authorisations", FleetJsonContext.Default.IReadOnlyListAuthorisationView))!);
    }

    [Fact]
    public async Task Update_EndBroughtForward_ConfiguredDeviceGetsNewVersionWithNewWindowAudited()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.SignInAsync(Role.Admin, "alice");
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        var request = ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(90));
        var authorisation = await AuthoriseAsync(admin, request);
        await fleet.KnowDeviceAsync("pole-12");
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
        await using var device = await DesiredSubscriber.SubscribeAsync(fleet, "pole-12");
        await device.NextAsync(m => m.Version == 1);

        var shortened = Now.AddHours(2);
        var response = await admin.PutAsJsonAsync($"/api/authorisations/{authorisation.Id}", request with { EndsAt = shortened }, FleetJsonContext.Default.AuthorisationRequest);
        var (published, _) = await device.NextAsync(m => m.Version == 2);
        var view = await GetConfigAsync(admin, "pole-12");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pole-12", Assert.Single(response.Headers.GetValues("Vsa-Reissued")));
        Assert.Equal(shortened, Assert.Single(published.Authorisations).EndsAt);
        Assert.Equal(published.Cameras[0].GetRawText(), view.Desired!.Cameras[0].GetRawText());
        Assert.Equal((2L, "alice"), (view.Desired.Version, view.Desired.IssuedBy));

        var audit = await AuditAsync(auditor);
        var update = Assert.Single(audit, e => e.Action == AuditActions.AuthorisationChanged && JsonNode.Parse(e.Details)!["operation"]!.GetValue<string>() == "update");
        Assert.Equal(authorisation.EndsAt, DateTimeOffset.Parse((string)JsonNode.Parse(update.Details)!["before"]!["endsAt"]!, System.Globalization.CultureInfo.InvariantCulture));
        var configChanges = audit.Where(e => e.Action == AuditActions.ConfigurationChanged).ToList();
        Assert.Equal([1L, 2L], configChanges.Select(e => (long)JsonNode.Parse(e.Details)!["version"]!));
        Assert.All(configChanges, e => Assert.Equal(("alice", "device:pole-12"), (e.Actor, e.Target)));
        Assert.Equal("authorisation 2026-DPG-0412 changed", (string?)JsonNode.Parse(configChanges[1].Details)!["reason"]);
        Assert.DoesNotContain("s3cret", string.Concat(configChanges.Select(e => e.Details)), StringComparison.Ordinal);
        Assert.True((await auditor.GetFromJsonAsync("/api/audit/verify", FleetJsonContext.Default.AuditVerification))!.IsIntact);
    }

    private static async Task<IReadOnlyList<AuditEntry>> AuditAsync(HttpClient client) =>
        (await client.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry))!;
}
