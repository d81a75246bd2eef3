using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Devices;

/// <summary>
/// Migration 23 (<see cref="DeviceBoardMigration"/>) on SQLite and PostgreSQL: the upgrade of a database at the previous
/// version with rows, the SQL derivation agreeing with the ingestion's, and the board's queries answered from their indexes.
/// </summary>
public sealed class DeviceBoardMigrationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-board-migration-").FullName;

    [Fact]
    public Task Migration23_Sqlite_UpgradeWithRows_EveryKnownDeviceOneRowWithNotNullColumns() => UpgradeAsync(Sqlite());

    [Fact]
    public Task Migration23_Postgres_UpgradeWithRows_EveryKnownDeviceOneRowWithNotNullColumns() => UpgradeAsync(Postgres());

    [Fact]
    public Task Rederive_Sqlite_EdgeHeartbeats_SameColumnsAsTheIngestion() => AgreeAsync(Sqlite());

    [Fact]
    public Task Rederive_Postgres_EdgeHeartbeats_SameColumnsAsTheIngestion() => AgreeAsync(Postgres());

    [Fact]
    public Task PageSql_Sqlite_SortsFiltersAndCounts_AnsweredFromTheirIndexes() => PlansAsync(Sqlite());

    [Fact]
    public Task PageSql_Postgres_SortsFiltersAndCounts_AnsweredFromTheirIndexes() => PlansAsync(Postgres());

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    private FleetDatabase Sqlite() => FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");

    private FleetDatabase Postgres() => FleetDatabase.CreatePostgres(postgres.CreateSchema());

    // A database at version 22 with a device that sent a heartbeat (its model has no version) and one known only by its
    // last will, both with NULL board columns as a row written by hand would have them, one enrolled, one configured, one
    // whose only certificate is revoked; then migration 23 and the registry's triggers at work.
    private static async Task UpgradeAsync(FleetDatabase fleetDatabase)
    {
        await using var database = fleetDatabase;
        var runner = new MigrationRunner(database, new FakeTimeProvider(Samples.T0), NullLogger<MigrationRunner>.Instance);
        await runner.MigrateAsync(CancellationToken.None, [.. Migrations.All.Where(m => m.Version < 23)]);
        var health = Samples.Health("beat", Samples.T0) with { Model = new ModelRef("nanodet-coco", null!) };
        long token;
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await ExecuteAsync(database, connection, """
                INSERT INTO devices (device_id, status, last_heartbeat_at, last_health, first_seen_at, updated_at, board_model) VALUES ('beat', 'online', @at, @health, @at, @at, NULL);
                INSERT INTO devices (device_id, status, status_at, first_seen_at, updated_at) VALUES ('status-only', 'offline', @at, @at, @at);
                INSERT INTO device_config (device_id, version, issued_at, issued_by, payload) VALUES ('configured', 3, @at, 'admin', '{}');
                """, JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage));
            token = await TokenAsync(database, connection);
            await CertificateAsync(database, connection, token, "enrolled", "Quai 1", revoked: false);
            await CertificateAsync(database, connection, token, "revoked", "Quai 2", revoked: true);
        }

        await runner.MigrateAsync(CancellationToken.None);

        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            Assert.Equal(["beat", "configured", "enrolled", "status-only"], await RowsAsync(connection, "SELECT device_id AS v FROM devices ORDER BY device_id;"));
            Assert.Equal(["configured", "enrolled"], await RowsAsync(connection, "SELECT device_id AS v FROM devices WHERE status IS NULL ORDER BY device_id;"));
            Assert.Equal(["enrolled|Quai 1"], await RowsAsync(connection, "SELECT device_id || '|' || board_site AS v FROM devices WHERE board_expires IS NOT NULL;"));
            Assert.Equal(string.Empty, (await DeviceBoardColumnsTests.ColumnsAsync(database))["status-only"].Model);
            Assert.Equal(DeviceBoardColumns.Of(health), (await DeviceBoardColumnsTests.ColumnsAsync(database))["beat"]);
            Assert.Equal("nanodet-coco", DeviceBoardColumns.Of(health).Model);
            await Assert.ThrowsAnyAsync<DbException>(() => connection.Sql(null, "UPDATE devices SET board_model = NULL WHERE device_id = 'beat';").ExecuteNonQueryAsync());
            var index = database.Dialect.Provider == StorageProvider.Postgres
                ? "SELECT indexname AS v FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'ix_ingestion_dead_letters_kind_device';"
                : "SELECT name AS v FROM sqlite_master WHERE name = 'ix_ingestion_dead_letters_kind_device';";
            Assert.Single(await RowsAsync(connection, index));

            // The registry keeps itself: a revoked never-connected device leaves, a new enrolment arrives, its first heartbeat makes it seen.
            await connection.Sql(null, "UPDATE device_certificates SET revoked_at = issued_at WHERE device_id = 'enrolled';").ExecuteNonQueryAsync();
            await CertificateAsync(database, connection, token, "fresh", "Quai 3", revoked: false);
            Assert.Equal(["beat", "configured", "fresh", "status-only"], await RowsAsync(connection, "SELECT device_id AS v FROM devices ORDER BY device_id;"));
        }

        var store = new DeviceStore(database);
        var seenAt = Samples.T0.AddHours(1);
        await store.ApplyHeartbeatAsync(Samples.Health("fresh", seenAt), seenAt, CancellationToken.None);
        var fresh = await store.FindAsync("fresh", CancellationToken.None);
        Assert.Equal((DeviceState.Online, false, seenAt, "Quai 3"), (fresh!.Status, fresh.NeverConnected, fresh.FirstSeenAt, fresh.Site));
    }

    // Heartbeats at the edges written by the ingestion (C#), then migration 23's SQL run over the stored JSON: the same columns.
    private static async Task AgreeAsync(FleetDatabase fleetDatabase)
    {
        await using var database = fleetDatabase;
        await new MigrationRunner(database, new FakeTimeProvider(Samples.T0), NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        var basic = Samples.Health("basic", Samples.T0);
        HealthMessage[] edges =
        [
            basic,
            basic with { DeviceId = "no-version", Model = new ModelRef("nanodet-coco", null!) },
            basic with { DeviceId = "no-id", Model = new ModelRef(null!, "3") },
            basic with { DeviceId = "no-model", Model = null, Outbox = null },
            basic with { DeviceId = "empty-version", Model = new ModelRef("m", string.Empty) },
            basic with { DeviceId = "no-cameras", Cameras = [] },
            basic with
            {
                DeviceId = "mixed",
                Outbox = new OutboxHealth(12, 0, null, 0, 0, 0, 0, 0, 0),
                Cameras = [new CameraHealth("CAM-Upper", false, 0, 0, 0, 0), new CameraHealth("b", true, 1, 0, 0, 0, Suspended: true), new CameraHealth("c", false, 0, 0, 0, 0), new CameraHealth("d", false, 0, 0, 0, 0, Suspended: false)],
                Suspension = new SuspensionReport(2, Device: false, LocalKill: false, ["c"]),
            },
            basic with { DeviceId = "killed", Suspension = new SuspensionReport(null, Device: false, LocalKill: true, []), Cameras = [new CameraHealth("a", false, 0, 0, 0, 0)] },
            basic with { DeviceId = "fleet-suspended", Suspension = new SuspensionReport(5, Device: true, LocalKill: false, ["zz"]) },
        ];
        var store = new DeviceStore(database);
        foreach (var health in edges)
        {
            await store.ApplyHeartbeatAsync(health, Samples.T0, CancellationToken.None);
        }

        var written = await DeviceBoardColumnsTests.ColumnsAsync(database);
        Assert.Equal(edges.Select(DeviceBoardColumns.Of), edges.Select(h => written[h.DeviceId]));
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.Sql(null, "UPDATE devices SET board_model = 'x', board_outbox = 99, board_stopped = 9, board_suspended = 9, board_device_suspended = 1, board_cameras = 'x';").ExecuteNonQueryAsync();
            await connection.Sql(null, DeviceBoardMigration.Rederive(database.Dialect)).ExecuteNonQueryAsync();
        }

        Assert.Equal(written, await DeviceBoardColumnsTests.ColumnsAsync(database));
    }

    // A seeded fleet; each query the board runs, planned by the engine: the index named is in the plan (PostgreSQL told to
    // avoid sequential scans and sorts where it can, as it would at ten thousand rows, so that a usable index shows).
    private static async Task PlansAsync(FleetDatabase fleetDatabase)
    {
        await using var database = fleetDatabase;
        await new MigrationRunner(database, new FakeTimeProvider(Samples.T0), NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        await BoardSeed.SeedAsync(database, 1000, Samples.T0);
        var postgresql = database.Dialect.Provider == StorageProvider.Postgres;
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await connection.Sql(null, postgresql ? "ANALYZE devices; SET enable_seqscan = off; SET enable_sort = off;" : "ANALYZE;").ExecuteNonQueryAsync();
        var cases = new (DeviceBoardQuery Query, string Index)[]
        {
            (new(), "ix_devices_board_site"),
            (new(After: new("Site 07", "pole-00507")), "ix_devices_board_site"),
            (new(Sort: "heartbeat", Descending: true), "ix_devices_board_heartbeat"),
            (new(Sort: "heartbeat", Descending: true, After: new("1", "pole-00001")), "ix_devices_board_heartbeat"),
            (new(Sort: "cameras", Descending: true), "ix_devices_board_cameras"),
            (new(Sort: "status"), "ix_devices_board_status"),
            (new(Sort: "outbox"), "ix_devices_board_outbox"),
            (new(Sort: "model", Model: "nanodet-coco 2"), "ix_devices_board_model"),
            (new(Site: "Site 03", State: "offline"), "ix_devices_board_site"),
        };
        foreach (var (query, index) in cases)
        {
            var (sql, numeric) = DeviceBoard.PageSql(query, database.Dialect);
            var plan = await PlanAsync(database, connection, sql, query, numeric);
            Assert.True(plan.Contains(index, StringComparison.Ordinal), $"{query}: {index} not in the plan:\n{plan}");
            Assert.DoesNotContain("TEMP B-TREE FOR ORDER BY", plan, StringComparison.Ordinal);
        }

        var counts = await PlanAsync(database, connection, DeviceBoard.CountSql(new(State: "stopped"), database.Dialect), new(), numeric: false);
        Assert.True(counts.Contains("ix_devices_status", StringComparison.Ordinal) && counts.Contains("ix_devices_board_stopped", StringComparison.Ordinal), counts);
    }

    private static async Task<string> PlanAsync(FleetDatabase database, DbConnection connection, string sql, DeviceBoardQuery query, bool numeric)
    {
        var explain = database.Dialect.Provider == StorageProvider.Postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ";
        await using var command = connection.Sql(null, explain + sql);
        if (query.Site is not null)
        {
            command.With("@site", query.Site);
        }

        if (query.Model is not null)
        {
            command.With("@model", query.Model);
        }

        if (query.After is { } after)
        {
            if (numeric)
            {
                command.With("@after_value", long.Parse(after.Value, CultureInfo.InvariantCulture));
            }
            else
            {
                command.With("@after_value", after.Value);
            }

            command.With("@after_id", after.DeviceId);
        }

        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(reader.FieldCount - 1));
        }

        return string.Join('\n', lines);
    }

    private static async Task<List<string>> RowsAsync(DbConnection connection, string sql)
    {
        await using var command = connection.Sql(null, sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task ExecuteAsync(FleetDatabase database, DbConnection connection, string sql, string health)
    {
        await using var command = connection.Sql(null, sql);
        database.Dialect.AddTime(command, "@at", Samples.T0);
        database.Dialect.AddJson(command, "@health", health);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> TokenAsync(FleetDatabase database, DbConnection connection)
    {
        await using var command = connection.Sql(null, """
            INSERT INTO enrolment_tokens (token_hash, site, created_by, created_at, expires_at) VALUES ('migration-23', 'seed', 'seed', @at, @at) RETURNING token_id;
            """);
        database.Dialect.AddTime(command, "@at", Samples.T0);
        return await command.ScalarInt64Async(CancellationToken.None);
    }

    private static async Task CertificateAsync(FleetDatabase database, DbConnection connection, long token, string deviceId, string site, bool revoked)
    {
        await using var command = connection.Sql(null, """
            INSERT INTO device_certificates (serial, device_id, site, token_id, not_before, not_after, certificate_pem, issued_at, revoked_at)
            VALUES (@serial, @device, @site, @token, @at, @until, 'pem', @at, @revoked);
            """).With("@serial", $"serial-{deviceId}").With("@device", deviceId).With("@site", site).With("@token", token);
        database.Dialect.AddTime(command, "@at", Samples.T0);
        database.Dialect.AddTime(command, "@until", Samples.T0.AddDays(10));
        database.Dialect.AddTime(command, "@revoked", revoked ? Samples.T0 : null);
        await command.ExecuteNonQueryAsync();
    }
}
