using System.Net;
using System.Net.Http.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Evaluation;

/// <summary><c>GET /api/evaluation/decisions</c>: dismissals by reason and decisions by operator, for auditors and administrators.</summary>
public sealed class DecisionBreakdownTests
{
    [Fact]
    public async Task GetDecisions_TwoOperators_CountsByReasonAndOperatorOnlyForAuditors()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-7");
        var alerts = Enumerable.Range(0, 4).Select(_ => Samples.AlertStart(device.DeviceId)).ToList();
        foreach (var alert in alerts)
        {
            await device.PublishAsync(alert);
            await fleet.WaitForAlertAsync(alert.AlertId);
        }

        using var anna = await fleet.SignInAsync(Role.Operator, "anna");
        using var bruno = await fleet.SignInAsync(Role.Operator, "bruno");
        await DecideAsync(anna, alerts[0], AlertDecisionKind.Confirmed, null);
        await DecideAsync(anna, alerts[1], AlertDecisionKind.Dismissed, "false_detection");
        await DecideAsync(bruno, alerts[2], AlertDecisionKind.Dismissed, "false_detection");
        await DecideAsync(bruno, alerts[3], AlertDecisionKind.Dismissed, "duplicate");
        using var auditor = await fleet.ClientAsync(Role.Auditor);

        var breakdown = (await auditor.GetFromJsonAsync("/api/evaluation/decisions", FleetJsonContext.Default.DecisionBreakdown))!;
        var asOperator = await anna.GetAsync("/api/evaluation/decisions");
        var badPeriod = await auditor.GetAsync("/api/evaluation/decisions?from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z");

        Assert.Equal([("false_detection", 2), ("duplicate", 1)], breakdown.ByReason.Select(r => (r.Reason, r.Dismissed)));
        Assert.Equal([("anna", 1, 1), ("bruno", 0, 2)], breakdown.ByOperator.Select(o => (o.Operator, o.Confirmed, o.Dismissed)));
        Assert.All(breakdown.ByOperator, o => Assert.True(o.MedianSecondsToDecision >= 0));
        Assert.Equal(HttpStatusCode.Forbidden, asOperator.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);
    }

    private static async Task DecideAsync(HttpClient client, AlertMessage alert, AlertDecisionKind kind, string? reason) =>
        (await client.PostAsJsonAsync($"/api/alerts/{alert.AlertId}/decision", new AlertDecisionRequest(kind, reason, null), FleetJsonContext.Default.AlertDecisionRequest)).EnsureSuccessStatusCode();
}
