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
/// The device board's columns (migration 21): written with each heartbeat, and filled by the migration from the heartbeats
/// stored before it with the same values, on SQLite and on PostgreSQL.
/// </summary>
public sealed class DeviceBoardColumnsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-board-columns-").FullName;

    [Fact]
    public void Of_SuspensionsAndStoppedCameras_CountedAsTheBoardShowsThem()
    {
        var columns = DeviceBoardColumns.Of(Health("pole-1"));

        // cam-A stopped; cam-B suspended itself; cam-C listed by the suspension (and stopped: suspended wins); cam-D runs.
        Assert.Equal(new DeviceBoardColumns("nanodet-coco 3", 5, 1, 2, false, "cam-a\ncam-b\ncam-c\ncam-d", DeviceBoardColumns.MicrosecondsOf(Samples.T0)), columns);
        var wholeDevice = DeviceBoardColumns.Of(Health("pole-1") with { Suspension = new SuspensionReport(4, Device: false, LocalKill: true, []), Outbox = null });
        Assert.Equal((0, 4, true, -1L), (wholeDevice.StoppedCameras, wholeDevice.SuspendedCameras, wholeDevice.DeviceSuspended, wholeDevice.Outbox));
    }

    [Fact]
    public Task Migration21_Sqlite_StoredHeartbeatsFilledAsIngestionWritesThem() =>
        BackfillAsync(FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/"));

    [Fact]
    public Task Migration21_Postgres_StoredHeartbeatsFilledAsIngestionWritesThem() =>
        BackfillAsync(FleetDatabase.CreatePostgres(postgres.CreateSchema()));

    [Fact]
    public async Task Migration21_Sqlite_StoredHeartbeatNotJson_MigrationCompletesAndTheRowKeepsTheDefaults()
    {
        await using var database = FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        var runner = new MigrationRunner(database, new FakeTimeProvider(Samples.T0), NullLogger<MigrationRunner>.Instance);
        await runner.MigrateAsync(CancellationToken.None, [.. Migrations.All.Where(m => m.Version < 21)]);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await using var insert = connection.Sql(null, """
                INSERT INTO devices (device_id, status, last_heartbeat_at, last_health, first_seen_at, updated_at) VALUES ('torn', 'online', @at, '{', @at, @at);
                """);
            database.Dialect.AddTime(insert, "@at", Samples.T0);
            await insert.ExecuteNonQueryAsync();
        }

        await runner.MigrateAsync(CancellationToken.None);

        Assert.Equal(new DeviceBoardColumns(NoHeartbeat, -1, 0, 0, false, string.Empty, DeviceBoardColumns.MicrosecondsOf(Samples.T0)), (await ColumnsAsync(database))["torn"]);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    // Two heartbeats stored as the fleet stored them before migration 21 (JSON only), the migration, and the same two
    // heartbeats written by the ingestion for two other devices: the columns are equal, and a status-only device has the defaults.
    private static async Task BackfillAsync(FleetDatabase fleetDatabase)
    {
        await using var database = fleetDatabase;
        var runner = new MigrationRunner(database, new FakeTimeProvider(Samples.T0), NullLogger<MigrationRunner>.Instance);
        await runner.MigrateAsync(CancellationToken.None, [.. Migrations.All.Where(m => m.Version < 21)]);
        var healths = new[] { Health("old-1"), Health("old-2") with { Suspension = new SuspensionReport(2, Device: true, LocalKill: false, []), Model = new ModelRef("movenet", "7") } };
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            foreach (var health in healths)
            {
                await using var insert = connection.Sql(null, """
                    INSERT INTO devices (device_id, status, last_heartbeat_at, last_health, first_seen_at, updated_at) VALUES (@id, 'online', @at, @health, @at, @at);
                    """).With("@id", health.DeviceId);
                database.Dialect.AddTime(insert, "@at", health.SentAt);
                database.Dialect.AddJson(insert, "@health", JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage));
                await insert.ExecuteNonQueryAsync();
            }
        }

        await runner.MigrateAsync(CancellationToken.None);
        var store = new DeviceStore(database);
        foreach (var health in healths)
        {
            await store.ApplyHeartbeatAsync(health with { DeviceId = health.DeviceId.Replace("old", "new", StringComparison.Ordinal) }, Samples.T0, CancellationToken.None);
        }

        await store.ApplyStatusAsync(new StatusMessage(StatusMessage.SchemaId, StatusMessage.CurrentVersion, "status-only", DeviceState.Online, Samples.T0), Samples.T0, CancellationToken.None);

        var stored = await ColumnsAsync(database);
        Assert.Equal(DeviceBoardColumns.Of(healths[0]), stored["old-1"]);
        Assert.Equal(DeviceBoardColumns.Of(healths[1]), stored["old-2"]);
        Assert.Equal(stored["old-1"], stored["new-1"]);
        Assert.Equal(stored["old-2"], stored["new-2"]);
        Assert.Equal(new DeviceBoardColumns(NoHeartbeat, -1, 0, 0, false, string.Empty), stored["status-only"]);
    }

    internal static async Task<Dictionary<string, DeviceBoardColumns>> ColumnsAsync(FleetDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, $"SELECT device_id, {DeviceBoardColumns.Names} FROM devices;");
        await using var reader = await command.ExecuteReaderAsync();
        var columns = new Dictionary<string, DeviceBoardColumns>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            columns[reader.GetString(0)] = new(reader.GetString(1), Convert.ToInt64(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture),
                Convert.ToInt32(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture) == 1, reader.GetString(6),
                Convert.ToInt64(reader.GetValue(7), System.Globalization.CultureInfo.InvariantCulture));
        }

        return columns;
    }

    // The model of a device that has sent no heartbeat yet (NOT NULL since migration 23).
    private const string NoHeartbeat = "";

    private static HealthMessage Health(string deviceId) => Samples.Health(deviceId, Samples.T0) with
    {
        Model = new ModelRef("nanodet-coco", "3"),
        Cameras =
        [
            new CameraHealth("cam-A", false, 0, 0, 0, 0),
            new CameraHealth("cam-B", true, 0, 0, 0, 0, Suspended: true),
            new CameraHealth("cam-C", false, 0, 0, 0, 0),
            new CameraHealth("cam-D", true, 9.8, 0, 4.9, 7.2),
        ],
        Outbox = new OutboxHealth(5, 0, null, 100, 0, 0, 0, 0, 0),
        Suspension = new SuspensionReport(3, Device: false, LocalKill: false, ["cam-C"]),
    };
}
