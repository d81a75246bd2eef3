using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Operators;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Operators;

/// <summary>Claims and incident decisions through the HTTP API, on a real fleet with SQLite.</summary>
public sealed class OperatorEndpointsTests
{
    [Fact]
    public async Task DecideIncident_OneAlreadyDecided_NothingStoredAndConflict()
    {
        await using var app = await FleetApp.StartAsync();
        var store = app.Services.GetRequiredService<AlertStore>();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var alert = Samples.AlertStart("pole-1", startedAt: Samples.T0.AddSeconds(i));
            await store.ApplyAsync(alert, Samples.T0, CancellationToken.None);
            ids.Add(alert.AlertId);
        }

        await store.DecideAsync(ids[2], AlertDecisionKind.Dismissed, "duplicate", null, "bob", Samples.T0, CancellationToken.None);
        using var alice = await app.SignInAsync(Role.Operator, "alice");

        var refused = await alice.PostAsJsonAsync("/api/alerts/decisions", new { alertIds = ids, decision = "confirmed" });
        var accepted = await alice.PostAsJsonAsync("/api/alerts/decisions", new { alertIds = ids[..2], decision = "confirmed" });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("already decided by bob", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        accepted.EnsureSuccessStatusCode();
        var audit = await app.Services.GetRequiredService<IAuditLog>().ReadAsync(0, 1000, CancellationToken.None);
        foreach (var id in ids[..2])
        {
            Assert.Equal("alice", (await store.FindAsync(id, CancellationToken.None))!.Decision!.DecidedBy);
            var entry = Assert.Single(audit, e => e.Target == $"alert:{id}" && e.Action == AuditActions.AlertDecision);
            Assert.Contains($"\"incident\":\"{ids[0]}\"", entry.Details, StringComparison.Ordinal);
        }

        Assert.Equal("bob", (await store.FindAsync(ids[2], CancellationToken.None))!.Decision!.DecidedBy);
    }

    [Fact]
    public async Task Claim_HeldByColleague_ConflictAndOnlyHolderHandsOver()
    {
        await using var app = await FleetApp.StartAsync();
        var alert = Samples.AlertStart("pole-1");
        await app.Services.GetRequiredService<AlertStore>().ApplyAsync(alert, Samples.T0, CancellationToken.None);
        using var alice = await app.SignInAsync(Role.Operator, "alice");
        using var bob = await app.SignInAsync(Role.Operator, "bob");
        using var auditor = await app.SignInAsync(Role.Auditor, "victor");
        var ids = new[] { alert.AlertId };

        (await alice.PostAsJsonAsync("/api/claims", new { alertIds = ids, action = "claim" })).EnsureSuccessStatusCode();
        var stolen = await bob.PostAsJsonAsync("/api/claims", new { alertIds = ids, action = "claim" });
        var byAuditor = await auditor.PostAsJsonAsync("/api/claims", new { alertIds = ids, action = "claim" });
        var toNobody = await alice.PostAsJsonAsync("/api/claims", new { alertIds = ids, action = "handover", to = "victor" });
        (await alice.PostAsJsonAsync("/api/claims", new { alertIds = ids, action = "handover", to = "bob", note = "à vérifier" })).EnsureSuccessStatusCode();
        var claims = await alice.GetFromJsonAsync<List<ClaimView>>("/api/claims");

        Assert.Equal(HttpStatusCode.Conflict, stolen.StatusCode);
        Assert.Contains("handled by alice", await stolen.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, byAuditor.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, toNobody.StatusCode);
        var claim = Assert.Single(claims!);
        Assert.Equal(("bob", "alice", "à vérifier"), (claim.ClaimedBy, claim.HandedBy, claim.Note));
    }

    [Theory]
    [InlineData("PriorityByEvent:explosion", "1", "names 'explosion'")]
    [InlineData("PriorityByEvent:fire", "4", "PriorityByEvent:fire is 4")]
    [InlineData("PriorityByCamera:cam-1", "1", "must be deviceId/cameraId")]
    [InlineData("IncidentGapSecondsByEvent:intrusion", "-1", "IncidentGapSecondsByEvent:intrusion is -1")]
    public async Task Start_InvalidConsoleOption_FailsNamingIt(string key, string value, string expected)
    {
        var e = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => FleetApp.StartAsync(new Dictionary<string, string?> { [$"Fleet:Console:{key}"] = value }));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
