using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>
/// One contract for both engines: every store, the migrations, the audit chain and the retention purge, run by
/// <see cref="SqliteStorageTests"/> on a SQLite file and by <see cref="PostgresStorageTests"/> on a PostgreSQL schema.
/// Each test gets a fresh, migrated database and a fake clock.
/// </summary>
public abstract partial class StorageContract : IAsyncLifetime
{
    /// <summary>Where the fake clock starts.</summary>
    protected static readonly DateTimeOffset Now = new(2025, 6, 1, 8, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Clock { get; } = new(Now);

    protected FleetDatabase Database { get; private set; } = null!;

    protected AuditLog Audit { get; private set; } = null!;

    protected AlertStore Alerts { get; private set; } = null!;

    protected DeviceStore Devices { get; private set; } = null!;

    protected AccountStore Accounts { get; private set; } = null!;

    protected ApiTokenStore Tokens { get; private set; } = null!;

    protected SessionStore Sessions { get; private set; } = null!;

    /// <summary>Idle 1 hour, absolute 3 hours: short enough to cross with the fake clock.</summary>
    protected static AccountsOptions SessionOptions { get; } = new() { SessionLifetime = TimeSpan.FromHours(1), SessionAbsoluteLifetime = TimeSpan.FromHours(3) };

    protected MigrationRunner Runner { get; private set; } = null!;

    /// <summary>Statements that let the test play an attacker with write access to the database: drop the append-only triggers.</summary>
    protected abstract string DisableAuditTriggersSql { get; }

    public async Task InitializeAsync()
    {
        Database = await CreateDatabaseAsync();
        Runner = new MigrationRunner(Database, Clock, NullLogger<MigrationRunner>.Instance);
        await Runner.MigrateAsync(CancellationToken.None);
        Audit = new AuditLog(Database, Clock);
        Alerts = new AlertStore(Database, Audit);
        Devices = new DeviceStore(Database);
        Sessions = new SessionStore(Database, Microsoft.Extensions.Options.Options.Create(SessionOptions), Clock);
        Accounts = new AccountStore(Database, Audit, Sessions, Clock);
        Tokens = new ApiTokenStore(Database, Accounts, Audit, Clock);
    }

    public virtual async Task DisposeAsync() => await Database.DisposeAsync();

    [Fact]
    public async Task MigrateAsync_AgainOnMigratedDatabase_AppliesNothingAndKeepsVersion()
    {
        var version = await Runner.MigrateAsync(CancellationToken.None);

        Assert.Equal(Migrations.All.Max(m => m.Version), version);
        Assert.Equal(Migrations.All.Count, await ScalarAsync("SELECT COUNT(*) FROM schema_version;"));
        Assert.Equal(version, await Runner.CurrentVersionAsync(CancellationToken.None));
    }

    [Fact]
    public async Task MigrateAsync_DatabaseFromNewerFleet_Refuses()
    {
        await ExecuteAsync("INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'future', @t);", ("@t", Now));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner.MigrateAsync(CancellationToken.None));

        Assert.Contains("999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyAsync_FullAlert_ReadsBackEveryField()
    {
        var start = Samples.AlertStart("pole-12") with { ZoneId = null, StartedAt = Now.AddTicks(1234560), ObservedAt = Now.AddSeconds(1) };
        var end = Samples.Next(start, Vsa.Edge.Contracts.AlertState.End, 1, 7.25);

        Assert.Equal(AlertApplyOutcome.Applied, (await Alerts.ApplyAsync(start, Now, CancellationToken.None)).Outcome);
        var applied = await Alerts.ApplyAsync(end, Now.AddSeconds(8), CancellationToken.None);

        var view = Assert.IsType<AlertView>(applied.Alert);
        Assert.Equal(view.UpdatedAt, (await Alerts.FindAsync(start.AlertId, CancellationToken.None))!.UpdatedAt);
        Assert.Equal(start.StartedAt, view.StartedAt);
        Assert.Equal(end.EndedAt, view.EndedAt);
        Assert.Null(view.ZoneId);
        Assert.Equal(0.82, view.Confidence);
        Assert.Equal(end.Measurement, view.Measurement);
        Assert.Equal(start.Objects[0].Box, Assert.Single(view.Objects).Box);
        Assert.Equal(Now, view.ReceivedAt);
        Assert.Equal(Now.AddSeconds(8), view.UpdatedAt);
        Assert.Null(view.Decision);
        Assert.Equal(2, await Alerts.CountMessagesAsync(start.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_SameMessageTwice_SecondIsDuplicate()
    {
        var alert = Samples.AlertStart("pole-12");

        await Alerts.ApplyAsync(alert, Now, CancellationToken.None);
        var second = await Alerts.ApplyAsync(alert, Now.AddSeconds(1), CancellationToken.None);

        Assert.Equal(AlertApplyOutcome.Duplicate, second.Outcome);
        Assert.Equal(1, await Alerts.CountMessagesAsync(alert.AlertId, CancellationToken.None));
        Assert.Equal(Now, (await Alerts.FindAsync(alert.AlertId, CancellationToken.None))!.UpdatedAt);
    }

    [Fact]
    public async Task ApplyAsync_OlderSequenceAfterNewer_IsStaleButLogged()
    {
        var start = Samples.AlertStart("pole-12");
        var update = Samples.Next(start, Vsa.Edge.Contracts.AlertState.Update, 1, 3);

        await Alerts.ApplyAsync(update, Now, CancellationToken.None);
        var late = await Alerts.ApplyAsync(start, Now, CancellationToken.None);

        Assert.Equal(AlertApplyOutcome.Stale, late.Outcome);
        Assert.Equal(1, (await Alerts.FindAsync(start.AlertId, CancellationToken.None))!.Sequence);
        Assert.Equal(2, await Alerts.CountMessagesAsync(start.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_AlertIdOfAnotherDevice_IsForeignAndNotLogged()
    {
        var original = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(original, Now, CancellationToken.None);

        var hijack = Samples.Next(original, Vsa.Edge.Contracts.AlertState.End, 1, 2) with { DeviceId = "pole-13" };
        var result = await Alerts.ApplyAsync(hijack, Now, CancellationToken.None);

        Assert.Equal(AlertApplyOutcome.ForeignAlert, result.Outcome);
        Assert.Equal(1, await Alerts.CountMessagesAsync(original.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task QueryAsync_Filters_NewestFirst()
    {
        var a = Samples.AlertStart("pole-1", startedAt: Now);
        var b = Samples.AlertStart("pole-1", startedAt: Now.AddMinutes(1), cameraId: "cam-2");
        var c = Samples.AlertStart("pole-2", startedAt: Now.AddMinutes(2));
        foreach (var alert in new[] { a, b, c })
        {
            await Alerts.ApplyAsync(alert, Now, CancellationToken.None);
        }

        Assert.Equal([c.AlertId, b.AlertId, a.AlertId], await IdsAsync(new AlertQuery(50, null, null, null)));
        Assert.Equal([b.AlertId, a.AlertId], await IdsAsync(new AlertQuery(50, null, "pole-1", null)));
        Assert.Equal([b.AlertId], await IdsAsync(new AlertQuery(50, null, "pole-1", "cam-2")));
        Assert.Equal([c.AlertId, b.AlertId], await IdsAsync(new AlertQuery(50, Now.AddSeconds(30), null, null)));
        Assert.Equal([c.AlertId], await IdsAsync(new AlertQuery(1, null, null, null)));
    }

    [Fact]
    public async Task Heartbeats_KeptInHistoryOnceEach_DeviceShowsNewest()
    {
        await Devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Now), Now, CancellationToken.None);
        await Devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Now.AddSeconds(30), "CUDA"), Now, CancellationToken.None);
        var redelivered = await Devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Now), Now, CancellationToken.None);

        Assert.Null(redelivered);
        Assert.Equal(2, await Devices.CountHeartbeatsAsync("pole-12", CancellationToken.None));
        var device = (await Devices.FindAsync("pole-12", CancellationToken.None))!;
        Assert.Equal("CUDA", device.ExecutionProvider);
        Assert.Equal(Now.AddSeconds(30), device.LastHeartbeatAt);
    }

    [Fact]
    public async Task StatusOffline_AfterHeartbeat_DeviceOfflineUntilNewerHeartbeat()
    {
        await Devices.ApplyStatusAsync(Samples.Status("pole-12", Vsa.Edge.Contracts.DeviceState.Online, Now), Now, CancellationToken.None);
        await Devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Now.AddSeconds(10)), Now, CancellationToken.None);
        var offline = await Devices.ApplyStatusAsync(Samples.Status("pole-12", Vsa.Edge.Contracts.DeviceState.Offline, Now), Now, CancellationToken.None);
        var back = await Devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Now.AddMinutes(1)), Now, CancellationToken.None);

        Assert.Equal(Vsa.Edge.Contracts.DeviceState.Offline, offline!.Status);
        Assert.Equal(Vsa.Edge.Contracts.DeviceState.Online, back!.Status);
        Assert.Single(await Devices.ListAsync(CancellationToken.None));
    }

    protected abstract Task<FleetDatabase> CreateDatabaseAsync();

    protected async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, sql);
        foreach (var (name, value) in parameters)
        {
            if (value is DateTimeOffset time)
            {
                Database.Dialect.AddTime(command, name, time);
            }
            else
            {
                command.With(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        await command.ExecuteNonQueryAsync();
    }

    protected async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await Database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, sql);
        return await command.ScalarInt64Async(CancellationToken.None);
    }

    private async Task<string[]> IdsAsync(AlertQuery query) => [.. (await Alerts.QueryAsync(query, CancellationToken.None)).Select(a => a.AlertId)];
}

/// <summary>The contract on a SQLite file.</summary>
public sealed class SqliteStorageTests : StorageContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-contract-").FullName;

    protected override string DisableAuditTriggersSql => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;";

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<FleetDatabase> CreateDatabaseAsync() =>
        Task.FromResult(FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/"));
}

/// <summary>The contract on PostgreSQL: one database for the class, one schema per test.</summary>
public sealed class PostgresStorageTests(PostgresFixture postgres) : StorageContract, IClassFixture<PostgresFixture>
{
    protected override string DisableAuditTriggersSql => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;";

    protected override Task<FleetDatabase> CreateDatabaseAsync() => Task.FromResult(FleetDatabase.CreatePostgres(postgres.CreateSchema()));
}
