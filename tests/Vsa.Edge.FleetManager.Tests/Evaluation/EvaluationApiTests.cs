using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Evaluation;

/// <summary><c>GET /api/evaluation</c> and <c>/api/evaluation.csv</c> on the real host.</summary>
public sealed class EvaluationApiTests
{
    [Fact]
    public async Task GetEvaluation_AfterDecisions_AuditorReadsCountsAsJsonAndCsv()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole, \"north\"");
        var confirmed = Samples.AlertStart(device.DeviceId);
        var dismissed = Samples.AlertStart(device.DeviceId) with { EventType = EventType.Fire };
        await device.PublishAsync(confirmed);
        await device.PublishAsync(dismissed);
        await fleet.WaitForAlertAsync(confirmed.AlertId);
        await fleet.WaitForAlertAsync(dismissed.AlertId);
        using var op = await fleet.SignInAsync(Role.Operator);
        (await op.PostAsJsonAsync($"/api/alerts/{confirmed.AlertId}/decision", new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, null), FleetJsonContext.Default.AlertDecisionRequest)).EnsureSuccessStatusCode();
        (await op.PostAsJsonAsync($"/api/alerts/{dismissed.AlertId}/decision", new AlertDecisionRequest(AlertDecisionKind.Dismissed, "false_detection", null), FleetJsonContext.Default.AlertDecisionRequest)).EnsureSuccessStatusCode();
        using var auditor = await fleet.ClientAsync(Role.Auditor);

        var report = (await auditor.GetFromJsonAsync("/api/evaluation", FleetJsonContext.Default.EvaluationReport))!;
        var csvResponse = await auditor.GetAsync("/api/evaluation.csv");
        var csv = await csvResponse.Content.ReadAsStringAsync();

        Assert.Equal((2, 1, 1, 0, 0.5), (report.Total.Raised, report.Total.Confirmed, report.Total.Dismissed, report.Total.Pending, report.Total.Precision));
        Assert.NotNull(report.Total.MedianSecondsToDecision);
        Assert.Equal([EventType.Intrusion, EventType.Fire], report.ByEventType.Select(r => r.EventType));
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment", csvResponse.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var lines = csv.Split("\r\n");
        Assert.StartsWith("scope,event_type,device_id,camera_id,raised,confirmed,dismissed,pending,precision,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("total,,,,2,1,1,0,0.5,", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("event_type,fire,,,1,0,1,0,0,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("camera,,\"pole, \"\"north\"\"\",cam-1,2,1,1,0,0.5,", StringComparison.Ordinal));
        Assert.Equal(string.Empty, lines[^1]);
    }

    [Fact]
    public async Task GetEvaluation_BadPeriodOrSignedOut_ProblemOr401()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var op = await fleet.ClientAsync(Role.Operator);

        var reversed = await op.GetAsync("/api/evaluation?from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z");
        var garbage = await op.GetAsync("/api/evaluation.csv?to=yesterday");
        var signedOut = await fleet.Http.GetAsync("/api/evaluation");

        Assert.Equal(HttpStatusCode.BadRequest, reversed.StatusCode);
        Assert.NotNull(JsonNode.Parse(await reversed.Content.ReadAsStringAsync())!["errors"]!["from"]);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.NotNull(JsonNode.Parse(await garbage.Content.ReadAsStringAsync())!["errors"]!["to"]);
        Assert.Equal(HttpStatusCode.Unauthorized, signedOut.StatusCode);
    }
}
