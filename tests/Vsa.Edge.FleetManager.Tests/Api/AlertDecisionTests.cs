using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Api;

/// <summary>The human review of an alert: only an operator decides; the decision is stored, audited, broadcast and final.</summary>
public sealed class AlertDecisionTests
{
    [Fact]
    public async Task Decide_Operator_StoredAuditedAndBroadcast()
    {
        await using var fleet = await FleetApp.StartAsync();
        var alertId = await PublishAlertAsync(fleet);
        using var op = await fleet.SignInAsync(Role.Operator, "bob");
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        using var tap = fleet.Tap();

        var response = await op.PostAsJsonAsync($"/api/alerts/{alertId}/decision",
            new AlertDecisionRequest(AlertDecisionKind.Dismissed, "a person sitting, not a parcel", "bench by the exit"), FleetJsonContext.Default.AlertDecisionRequest);
        var live = await tap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, a => a.AlertId == alertId && a.Decision is not null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.AlertView))!;
        Assert.Equal((AlertDecisionKind.Dismissed, "a person sitting, not a parcel", "bob"), (view.Decision!.Decision, view.Decision.Reason, view.Decision.DecidedBy));
        Assert.Equal(view.Decision, live.Decision);
        Assert.Equal(view.Decision, (await auditor.GetFromJsonAsync($"/api/alerts/{alertId}", FleetJsonContext.Default.AlertView))!.Decision);

        var audit = await auditor.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);
        var entry = Assert.Single(audit!, e => e.Action == AuditActions.AlertDecision);
        Assert.Equal(("bob", $"alert:{alertId}"), (entry.Actor, entry.Target));
        Assert.Equal("dismissed", (string?)JsonNode.Parse(entry.Details)!["decision"]);
        Assert.True((await auditor.GetFromJsonAsync("/api/audit/verify", FleetJsonContext.Default.AuditVerification))!.IsIntact);
    }

    [Theory]
    [InlineData(Role.Auditor)]
    [InlineData(Role.Admin)]
    public async Task Decide_NotAnOperator_Returns403AndChangesNothing(Role role)
    {
        await using var fleet = await FleetApp.StartAsync();
        var alertId = await PublishAlertAsync(fleet);
        using var http = await fleet.ClientAsync(role);

        var response = await http.PostAsJsonAsync($"/api/alerts/{alertId}/decision",
            new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, null), FleetJsonContext.Default.AlertDecisionRequest);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null((await http.GetFromJsonAsync($"/api/alerts/{alertId}", FleetJsonContext.Default.AlertView))!.Decision);
    }

    [Fact]
    public async Task Decide_OperatorApiToken_Returns403UntilSignedInInteractively()
    {
        await using var fleet = await FleetApp.StartAsync();
        var alertId = await PublishAlertAsync(fleet);
        using var token = await fleet.ClientAsync(Role.Operator);
        using var session = await fleet.SignInAsync(Role.Operator, "carol");
        var request = new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, null);

        var byToken = await token.PostAsJsonAsync($"/api/alerts/{alertId}/decision", request, FleetJsonContext.Default.AlertDecisionRequest);
        var afterToken = await token.GetFromJsonAsync($"/api/alerts/{alertId}", FleetJsonContext.Default.AlertView);
        var bySession = await session.PostAsJsonAsync($"/api/alerts/{alertId}/decision", request, FleetJsonContext.Default.AlertDecisionRequest);

        Assert.Equal(HttpStatusCode.Forbidden, byToken.StatusCode);
        Assert.Equal("application/problem+json", byToken.Content.Headers.ContentType?.MediaType);
        Assert.Equal(AlertEndpoints.DecisionNeedsOperatorDetail, (string?)JsonNode.Parse(await byToken.Content.ReadAsStringAsync())!["detail"]);
        Assert.Null(afterToken!.Decision);
        Assert.Equal(HttpStatusCode.OK, bySession.StatusCode);
        Assert.Equal("carol", (await bySession.Content.ReadFromJsonAsync(FleetJsonContext.Default.AlertView))!.Decision!.DecidedBy);
    }

    [Fact]
    public async Task Decide_BadRequestsTwiceAndUnknown_AreProblems()
    {
        await using var fleet = await FleetApp.StartAsync();
        var alertId = await PublishAlertAsync(fleet);
        using var op = await fleet.SignInAsync(Role.Operator);

        var dismissWithoutReason = await op.PostAsJsonAsync($"/api/alerts/{alertId}/decision", new AlertDecisionRequest(AlertDecisionKind.Dismissed, " ", null), FleetJsonContext.Default.AlertDecisionRequest);
        var noDecision = await op.PostAsync($"/api/alerts/{alertId}/decision", new StringContent("{\"reason\":\"x\"}", System.Text.Encoding.UTF8, "application/json"));
        var confirmed = await op.PostAsJsonAsync($"/api/alerts/{alertId}/decision", new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, null), FleetJsonContext.Default.AlertDecisionRequest);
        var again = await op.PostAsJsonAsync($"/api/alerts/{alertId}/decision", new AlertDecisionRequest(AlertDecisionKind.Dismissed, "changed my mind", null), FleetJsonContext.Default.AlertDecisionRequest);
        var unknown = await op.PostAsJsonAsync("/api/alerts/no-such-alert/decision", new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, null), FleetJsonContext.Default.AlertDecisionRequest);

        Assert.Equal(HttpStatusCode.BadRequest, dismissWithoutReason.StatusCode);
        Assert.NotNull(JsonNode.Parse(await dismissWithoutReason.Content.ReadAsStringAsync())!["errors"]!["reason"]);
        Assert.Equal(HttpStatusCode.BadRequest, noDecision.StatusCode);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task OpenApi_Document_ListsTheDecisionEndpointWithoutSignIn()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);

        var document = JsonNode.Parse(await fleet.Http.GetStringAsync("/openapi/v1.json"))!;

        Assert.StartsWith("3.", (string?)document["openapi"], StringComparison.Ordinal);
        Assert.NotNull(document["paths"]!["/api/alerts/{alertId}/decision"]!["post"]);
        Assert.NotNull(document["paths"]!["/api/auth/login"]!["post"]);
        Assert.NotNull(document["paths"]!["/api/alerts"]!["get"]);
    }

    private static async Task<string> PublishAlertAsync(FleetApp fleet)
    {
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var alert = Samples.AlertStart(device.DeviceId) with { EventType = Vsa.Edge.Contracts.EventType.AbandonedObject };
        await device.PublishAsync(alert);
        await fleet.WaitForAlertAsync(alert.AlertId);
        return alert.AlertId;
    }
}
