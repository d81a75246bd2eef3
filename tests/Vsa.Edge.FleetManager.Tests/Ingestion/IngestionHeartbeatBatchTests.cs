using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// The heartbeats of a batch (<see cref="HeartbeatBatchStore"/>, statements prepared once per batch): every heartbeat kept in
/// the history, the device row the newest, an older one stale, a heartbeat after its device's status applied after it, the
/// live page's row read only when someone listens; on both engines.
/// </summary>
public sealed class IngestionHeartbeatBatchTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-heartbeats-").FullName;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LiveBroadcaster _live = new(Options.Create(new LiveOptions()), NullLogger<LiveBroadcaster>.Instance);

    public void Dispose()
    {
        _metrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task StoreBatchAsync_TwoHeartbeatsOfEachDeviceAndAnOlderOne_AllKeptNewestOnTheRowOlderStale(StorageProvider provider)
    {
        await using var database = await CreateDatabaseAsync(provider);
        var pipeline = CreatePipeline(database);
        var t1 = Samples.T0.AddSeconds(5);
        var batch = Enumerable.Range(0, 40).Select(i => Heartbeat($"pole-{i:D2}", Samples.T0, Samples.T0))
            .Concat(Enumerable.Range(0, 40).Select(i => Heartbeat($"pole-{i:D2}", t1, t1)))
            .Append(Heartbeat("pole-07", Samples.T0.AddSeconds(-5), t1.AddSeconds(3)))
            .ToList();

        var results = await StoreAsync(database, pipeline, batch);

        Assert.All(results.Take(80), r => Assert.Equal((IngestionOutcome.Accepted, false, (DeviceView?)null), (r.Outcome, r.Coalesced, r.Device)));
        Assert.Equal(IngestionOutcome.Stale, results[^1].Outcome);
        Assert.Equal(81, await CountAsync(database, "SELECT COUNT(*) FROM device_health"));
        var devices = await new DeviceStore(database).ListAsync(CancellationToken.None);
        Assert.Equal(40, devices.Count);
        Assert.All(devices, d => Assert.Equal((DeviceState.Online, t1), (d.Status, d.LastHeartbeatAt)));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task StoreBatchAsync_HeartbeatAfterItsDevicesStatusInTheBatch_AppliedAfterTheStatus(StorageProvider provider)
    {
        await using var database = await CreateDatabaseAsync(provider);
        var pipeline = CreatePipeline(database);

        // pole-a: its last will (stamped with the connection time), then a heartbeat of the connection after it: online.
        // pole-b: a heartbeat, then an "offline" status newer than it: offline.
        var batch = new List<InboundMessage>
        {
            Status("pole-a", DeviceState.Offline, Samples.T0),
            Heartbeat("pole-a", Samples.T0.AddSeconds(5), Samples.T0.AddSeconds(5)),
            Heartbeat("pole-b", Samples.T0.AddSeconds(5), Samples.T0.AddSeconds(5)),
            Status("pole-b", DeviceState.Offline, Samples.T0.AddSeconds(10)),
        };

        var results = await StoreAsync(database, pipeline, batch);

        Assert.All(results, r => Assert.Equal(IngestionOutcome.Accepted, r.Outcome));
        var store = new DeviceStore(database);
        Assert.Equal(DeviceState.Online, (await store.FindAsync("pole-a", CancellationToken.None))?.Status);
        Assert.Equal(DeviceState.Offline, (await store.FindAsync("pole-b", CancellationToken.None))?.Status);
    }

    [Fact]
    public async Task StoreBatchAsync_SomeoneListening_EachAcceptedHeartbeatCarriesItsDeviceRow()
    {
        await using var database = await CreateDatabaseAsync(StorageProvider.Sqlite);
        var pipeline = CreatePipeline(database);
        using var listener = _live.Subscribe();

        var results = await StoreAsync(database, pipeline, [Heartbeat("pole-1", Samples.T0, Samples.T0), Heartbeat("pole-2", Samples.T0, Samples.T0)]);

        Assert.Equal([("pole-1", Samples.T0), ("pole-2", Samples.T0)], results.Select(r => (r.Device?.DeviceId, r.Device?.LastHeartbeatAt)));
    }

    private async Task<FleetDatabase> CreateDatabaseAsync(StorageProvider provider)
    {
        var database = provider == StorageProvider.Postgres
            ? FleetDatabase.CreatePostgres(postgres.CreateSchema())
            : FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        await new MigrationRunner(database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        return database;
    }

    private static async Task<IReadOnlyList<StoredMessage>> StoreAsync(FleetDatabase database, IngestionPipeline pipeline, List<InboundMessage> batch)
    {
        var prepared = pipeline.Prepare(batch);
        return await database.InTransactionAsync((c, t) => pipeline.StoreBatchAsync(c, t, prepared, CancellationToken.None), CancellationToken.None);
    }

    private static async Task<long> CountAsync(FleetDatabase database, string sql)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, sql);
        return await command.ScalarInt64Async(CancellationToken.None);
    }

    private static InboundMessage Heartbeat(string deviceId, DateTimeOffset sentAt, DateTimeOffset receivedAt) =>
        new(Topics.Health(deviceId), JsonSerializer.SerializeToUtf8Bytes(Samples.Health(deviceId, sentAt), ContractsJsonContext.Default.HealthMessage), receivedAt, Open.Instance, _ => Task.CompletedTask);

    private static InboundMessage Status(string deviceId, DeviceState state, DateTimeOffset at) =>
        new(Topics.Status(deviceId), JsonSerializer.SerializeToUtf8Bytes(Samples.Status(deviceId, state, at), ContractsJsonContext.Default.StatusMessage), at, Open.Instance, _ => Task.CompletedTask);

    private IngestionPipeline CreatePipeline(FleetDatabase database)
    {
        var statistics = new IngestionStatistics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        return IngestionRig.Pipeline(database, _clock, statistics, live: _live);
    }

    private sealed class Open : IInboundConnection
    {
        public static readonly Open Instance = new();

        public bool IsOpen => true;

        public void StorageFailed(Exception exception)
        {
        }
    }
}
