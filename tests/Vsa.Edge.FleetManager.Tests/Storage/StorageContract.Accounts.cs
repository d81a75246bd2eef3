using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>Accounts, tokens and the retention purge, on both engines.</summary>
public abstract partial class StorageContract
{
    // A real hash format with few iterations: these tests are about storage, not about the KDF's cost.
    private static readonly string Hash = new PasswordHashing(iterations: 1).Hash("irrelevant-here");

    [Fact]
    public async Task CreateAsync_NewAccount_StoredWithDesignationAndAudited()
    {
        var created = await Accounts.CreateAsync(NewOperator("bob"), Hash, "alice", CancellationToken.None);
        var again = await Accounts.CreateAsync(NewOperator("bob"), Hash, "alice", CancellationToken.None);

        Assert.NotNull(created);
        Assert.Null(again);
        var stored = (await Accounts.FindAsync("bob", CancellationToken.None))!;
        Assert.Equal(created, stored.View);
        Assert.Equal((Role.Operator, "arrêté 2025-17", new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 10)),
            (stored.View.Role, stored.View.DesignationReference, stored.View.DesignationDate, stored.View.TrainingDate));
        Assert.Equal(Hash, stored.PasswordHash);
        var entry = Assert.Single(await Audit.ReadAsync(0, 10, CancellationToken.None));
        Assert.Equal(("alice", AuditActions.AccountCreated, "account:bob"), (entry.Actor, entry.Action, entry.Target));
        Assert.DoesNotContain(Hash, entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateAsync_LastAdminDisabled_RefusedButSecondAdminMayBe()
    {
        await Accounts.CreateAsync(NewOperator("root") with { Role = Role.Admin }, Hash, "cli", CancellationToken.None);
        var refused = await Accounts.UpdateAsync("root", new AccountChange(null, null, null, null, null, Disabled: true), "root", CancellationToken.None);
        await Accounts.CreateAsync(NewOperator("root2") with { Role = Role.Admin }, Hash, "cli", CancellationToken.None);
        var before = (await Accounts.FindAsync("root", CancellationToken.None))!;
        var accepted = await Accounts.UpdateAsync("root", new AccountChange(null, null, null, null, null, Disabled: true), "root2", CancellationToken.None);

        Assert.Equal(AccountChangeOutcome.LastAdmin, refused.Outcome);
        Assert.Equal(AccountChangeOutcome.Changed, accepted.Outcome);
        Assert.True(accepted.Account!.Disabled);
        Assert.NotEqual(before.SecurityStamp, (await Accounts.FindAsync("root", CancellationToken.None))!.SecurityStamp);
    }

    [Fact]
    public async Task Tokens_CreatedAuthenticatedRevokedAndExpired()
    {
        var bob = (await Accounts.CreateAsync(NewOperator("bob"), Hash, "cli", CancellationToken.None))!;
        var kept = await Tokens.CreateAsync(bob, "vms", TimeSpan.FromDays(2), CancellationToken.None);
        var revoked = await Tokens.CreateAsync(bob, "old", TimeSpan.FromDays(2), CancellationToken.None);

        Assert.StartsWith(ApiTokenStore.Prefix, kept.Token, StringComparison.Ordinal);
        Assert.Equal("bob", (await Tokens.AuthenticateAsync(kept.Token, CancellationToken.None))?.Name);
        Assert.True(await Tokens.RevokeAsync(bob, revoked.Id, CancellationToken.None));
        Assert.Null(await Tokens.AuthenticateAsync(revoked.Token, CancellationToken.None));
        Assert.Null(await Tokens.AuthenticateAsync(kept.Token + "x", CancellationToken.None));
        Assert.Equal(2, (await Tokens.ListAsync(bob.Id, CancellationToken.None)).Count);

        // Only the hash is stored.
        Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{kept.Token}';"));

        Clock.Advance(TimeSpan.FromDays(2));
        Assert.Null(await Tokens.AuthenticateAsync(kept.Token, CancellationToken.None));
    }

    [Fact]
    public async Task PurgeAsync_OldDataRemovedRecentKept_PurgeAudited()
    {
        var options = Options.Create(new RetentionOptions { AlertsDays = 30, HealthDays = 7 });
        var old = Samples.AlertStart("pole-12");
        var oldButDecidedLately = Samples.AlertStart("pole-12");
        var recent = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(old, Now, CancellationToken.None);
        await Alerts.ApplyAsync(oldButDecidedLately, Now, CancellationToken.None);
        await Devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Now), Now, CancellationToken.None);
        await Alerts.DecideAsync(oldButDecidedLately.AlertId, Vsa.Edge.FleetManager.Alerts.AlertDecisionKind.Confirmed, null, null, "bob", Now.AddDays(20), CancellationToken.None);
        await Alerts.ApplyAsync(recent, Now.AddDays(25), CancellationToken.None);
        await Devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Now.AddDays(25)), Now.AddDays(25), CancellationToken.None);

        var report = await new RetentionPurger(Database, Audit, options).PurgeAsync(Now.AddDays(31), CancellationToken.None);

        Assert.Equal((1, 1, 1), (report.Alerts, report.AlertMessages, report.Heartbeats));
        Assert.Null(await Alerts.FindAsync(old.AlertId, CancellationToken.None));
        Assert.Equal(0, await Alerts.CountMessagesAsync(old.AlertId, CancellationToken.None));
        Assert.NotNull(await Alerts.FindAsync(oldButDecidedLately.AlertId, CancellationToken.None));
        Assert.NotNull(await Alerts.FindAsync(recent.AlertId, CancellationToken.None));
        Assert.Equal(1, await Devices.CountHeartbeatsAsync("pole-12", CancellationToken.None));
        var purge = (await Audit.ReadAsync(0, 10, CancellationToken.None))[^1];
        Assert.Equal((RetentionPurger.Actor, AuditActions.RetentionPurge), (purge.Actor, purge.Action));
        Assert.True((await AuditVerifier.VerifyAsync(Database, CancellationToken.None)).IsIntact);
    }

    private static NewAccount NewOperator(string name) =>
        new(name, $"Agent {name}", Role.Operator, "not used here", "arrêté 2025-17", new DateOnly(2025, 3, 3), new DateOnly(2025, 3, 10));
}
