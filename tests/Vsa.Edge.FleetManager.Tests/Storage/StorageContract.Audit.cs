using System.Data.Common;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>The audit chain and the decisions it records, on both engines.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task AppendAsync_ThreeEntries_ChainedAndVerified()
    {
        var first = await Audit.AppendAsync(new AuditEvent("alice", AuditActions.Login, "account:alice"), CancellationToken.None);
        Clock.Advance(TimeSpan.FromTicks(1234567));
        var second = await Audit.AppendAsync(new AuditEvent("alice", "config.change", "device:pole-12", new JsonObject { ["fps"] = 10, ["note"] = "caméra nord" }), CancellationToken.None);
        var third = await Audit.AppendAsync(new AuditEvent("system:retention", AuditActions.RetentionPurge, string.Empty), CancellationToken.None);

        Assert.Equal([1L, 2L, 3L], new[] { first.Sequence, second.Sequence, third.Sequence });
        Assert.Equal(AuditHash.Genesis, first.PrevHash);
        Assert.Equal(first.Hash, second.PrevHash);
        Assert.Equal(second.Hash, third.PrevHash);
        Assert.Contains("caméra nord", second.Details, StringComparison.Ordinal);

        // What is read back is what was hashed, to the microsecond and to the character.
        var stored = await Audit.ReadAsync(0, 10, CancellationToken.None);
        Assert.Equal([first, second, third], stored);
        var result = await AuditVerifier.VerifyAsync(Database, CancellationToken.None);
        Assert.True(result.IsIntact);
        Assert.Equal(3, result.Entries);
        Assert.Equal(third.Hash, result.HeadHash);
    }

    [Fact]
    public async Task AuditLog_UpdateOrDelete_RefusedByTheDatabase()
    {
        await Audit.AppendAsync(new AuditEvent("alice", AuditActions.Login, "account:alice"), CancellationToken.None);

        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync("UPDATE audit_log SET actor = 'mallory';"));
        await Assert.ThrowsAnyAsync<DbException>(() => ExecuteAsync("DELETE FROM audit_log;"));
        Assert.True((await AuditVerifier.VerifyAsync(Database, CancellationToken.None)).IsIntact);
    }

    [Fact]
    public async Task VerifyAsync_DetailsTampered_ReportsThatEntryModified()
    {
        await AppendSomeAsync(4);
        await ExecuteAsync(DisableAuditTriggersSql);

        await ExecuteAsync("UPDATE audit_log SET details = '{\"decision\":\"dismissed\"}' WHERE sequence = 3;");
        var result = await AuditVerifier.VerifyAsync(Database, CancellationToken.None);

        Assert.False(result.IsIntact);
        Assert.Equal(AuditProblemKind.Modified, result.Problem!.Kind);
        Assert.Equal(3, result.Problem.Sequence);
    }

    [Fact]
    public async Task VerifyAsync_RowRewrittenWithRecomputedHash_ReportsItModified()
    {
        var entries = await AppendSomeAsync(4);
        await ExecuteAsync(DisableAuditTriggersSql);

        // A careful attacker recomputes the hash of the row they change; the next entry's link still gives them away.
        var forged = entries[1] with { Actor = "mallory" };
        await ExecuteAsync("UPDATE audit_log SET actor = 'mallory', hash = @hash WHERE sequence = 2;", ("@hash", AuditHash.Compute(forged)));
        var result = await AuditVerifier.VerifyAsync(Database, CancellationToken.None);

        Assert.Equal(AuditProblemKind.Modified, result.Problem!.Kind);
        Assert.Equal(2, result.Problem.Sequence);
    }

    [Fact]
    public async Task VerifyAsync_RowDeleted_ReportsItDeleted()
    {
        await AppendSomeAsync(5);
        await ExecuteAsync(DisableAuditTriggersSql);

        await ExecuteAsync("DELETE FROM audit_log WHERE sequence = 2;");
        var result = await AuditVerifier.VerifyAsync(Database, CancellationToken.None);

        Assert.Equal(AuditProblemKind.Deleted, result.Problem!.Kind);
        Assert.Equal(2, result.Problem.Sequence);
        Assert.Contains("#2", result.Problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_TwoRowsSwapped_ReportsReordered()
    {
        await AppendSomeAsync(4);
        await ExecuteAsync(DisableAuditTriggersSql);

        await ExecuteAsync("UPDATE audit_log SET sequence = -2 WHERE sequence = 2;");
        await ExecuteAsync("UPDATE audit_log SET sequence = 2 WHERE sequence = 3;");
        await ExecuteAsync("UPDATE audit_log SET sequence = 3 WHERE sequence = -2;");
        var result = await AuditVerifier.VerifyAsync(Database, CancellationToken.None);

        Assert.Equal(AuditProblemKind.Reordered, result.Problem!.Kind);
        Assert.Equal(2, result.Problem.Sequence);
    }

    [Fact]
    public async Task DecideAsync_Confirmed_StoredOnAlertAndAudited()
    {
        var alert = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(alert, Now, CancellationToken.None);

        var (outcome, view) = await Alerts.DecideAsync(alert.AlertId, AlertDecisionKind.Dismissed, "person sitting", "bench", "bob", Now.AddMinutes(1), CancellationToken.None);

        Assert.Equal(DecideOutcome.Recorded, outcome);
        Assert.Equal(new AlertDecisionView(AlertDecisionKind.Dismissed, "person sitting", "bench", "bob", Now.AddMinutes(1)), view!.Decision);
        var entry = Assert.Single(await Audit.ReadAsync(0, 10, CancellationToken.None));
        Assert.Equal(("bob", AuditActions.AlertDecision, $"alert:{alert.AlertId}"), (entry.Actor, entry.Action, entry.Target));
        Assert.Equal("dismissed", (string?)JsonNode.Parse(entry.Details)!["decision"]);
        Assert.Equal("person sitting", (string?)JsonNode.Parse(entry.Details)!["reason"]);
    }

    [Fact]
    public async Task DecideAsync_SecondDecisionOrUnknownAlert_RefusedAndNotAudited()
    {
        var alert = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(alert, Now, CancellationToken.None);
        await Alerts.DecideAsync(alert.AlertId, AlertDecisionKind.Confirmed, null, null, "bob", Now, CancellationToken.None);

        var again = await Alerts.DecideAsync(alert.AlertId, AlertDecisionKind.Dismissed, "oops", null, "carol", Now, CancellationToken.None);
        var unknown = await Alerts.DecideAsync("no-such-alert", AlertDecisionKind.Confirmed, null, null, "bob", Now, CancellationToken.None);

        Assert.Equal(DecideOutcome.AlreadyDecided, again.Outcome);
        Assert.Equal("bob", again.Alert!.Decision!.DecidedBy);
        Assert.Equal(DecideOutcome.NotFound, unknown.Outcome);
        Assert.Single(await Audit.ReadAsync(0, 10, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_MessageAfterDecision_KeepsTheDecision()
    {
        var start = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(start, Now, CancellationToken.None);
        await Alerts.DecideAsync(start.AlertId, AlertDecisionKind.Confirmed, null, null, "bob", Now, CancellationToken.None);

        var end = await Alerts.ApplyAsync(Samples.Next(start, Vsa.Edge.Contracts.AlertState.End, 1, 5), Now.AddSeconds(5), CancellationToken.None);

        Assert.Equal(Vsa.Edge.Contracts.AlertState.End, end.Alert!.State);
        Assert.Equal(AlertDecisionKind.Confirmed, end.Alert.Decision!.Decision);
    }

    private async Task<List<AuditEntry>> AppendSomeAsync(int count)
    {
        var entries = new List<AuditEntry>();
        for (var i = 0; i < count; i++)
        {
            entries.Add(await Audit.AppendAsync(new AuditEvent("alice", AuditActions.AlertDecision, $"alert:{i}", new JsonObject { ["decision"] = "confirmed" }), CancellationToken.None));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        return entries;
    }
}
