using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// The batch path (<see cref="IngestionPipeline.Prepare"/>, <see cref="IngestionPipeline.StoreBatchAsync"/>, multi-row statements
/// on PostgreSQL, one prepared row statement on SQLite): a small burst of many devices, with later messages of the same alerts,
/// redeliveries and a foreign alert in the same batch, stores every message once, in order, on both engines.
/// </summary>
public sealed class IngestionBatchTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-batch-").FullName;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose()
    {
        _metrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task StoreBatchAsync_BurstWithUpdatesRedeliveriesAndAForeignAlert_EachStoredOnceInOrder(StorageProvider provider)
    {
        await using var database = provider == StorageProvider.Postgres
            ? FleetDatabase.CreatePostgres(postgres.CreateSchema())
            : FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        await new MigrationRunner(database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        var alerts = new AlertStore(database, new AuditLog(database, _clock));
        var pipeline = CreatePipeline(database, alerts);

        // 300 starts from 30 devices (more than one PostgreSQL statement's 256 rows), an update of every tenth alert after
        // its start, 20 redeliveries, and a device speaking for another's alert.
        var starts = Enumerable.Range(0, 300).Select(i => Samples.AlertStart($"pole-{i % 30:D2}")).ToList();
        var updates = starts.Where((_, i) => i % 10 == 0).Select(a => Samples.Next(a, AlertState.Update, 1, 2)).ToList();
        var redelivered = starts.Take(20).ToList();
        var foreign = starts[1] with { DeviceId = "pole-99", MessageId = Guid.NewGuid().ToString() };
        var batch = starts.Concat(updates).Concat(redelivered).Append(foreign).Select(Inbound).ToList();

        var results = await StoreAsync(database, pipeline, batch);

        Assert.Equal(batch.Count, results.Count);
        Assert.All(results.Take(300), r => Assert.Equal(IngestionOutcome.Accepted, r.Outcome));
        Assert.All(results.Skip(300).Take(updates.Count), r => Assert.Equal(IngestionOutcome.Accepted, r.Outcome));
        Assert.All(results.Skip(300 + updates.Count).Take(20), r => Assert.Equal(IngestionOutcome.Duplicate, r.Outcome));
        Assert.Equal(RejectReason.ForeignAlert, results[^1].Reason);
        Assert.Equal(300 + updates.Count, await CountAsync(database, "SELECT COUNT(*) FROM alert_messages"));
        Assert.Equal(300, await CountAsync(database, "SELECT COUNT(*) FROM alerts"));
        Assert.Equal(updates.Count, await CountAsync(database, "SELECT COUNT(*) FROM alerts WHERE sequence = 1"));
        Assert.Equal("pole-01", (await alerts.FindAsync(starts[1].AlertId, CancellationToken.None))!.DeviceId);

        // The whole burst again (the broker's redelivery after a crash): nothing new, nothing moved.
        var again = await StoreAsync(database, pipeline, starts.Concat(updates).Select(Inbound).ToList());
        Assert.All(again, r => Assert.Equal(IngestionOutcome.Duplicate, r.Outcome));
        Assert.Equal(300 + updates.Count, await CountAsync(database, "SELECT COUNT(*) FROM alert_messages"));
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

    private InboundMessage Inbound(AlertMessage alert) =>
        new(Topics.Alerts(alert.DeviceId), JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.AlertMessage), _clock.GetUtcNow(), Open.Instance, _ => Task.CompletedTask);

    private IngestionPipeline CreatePipeline(FleetDatabase database, AlertStore alerts)
    {
        var statistics = new IngestionStatistics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        return IngestionRig.Pipeline(database, _clock, statistics, alerts: alerts);
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
