using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// <see cref="AlertBatchStore"/> against the one-by-one path (<see cref="AlertStore.ApplyAsync(System.Data.Common.DbConnection, System.Data.Common.DbTransaction, AlertMessage, DateTimeOffset, CancellationToken)"/>)
/// on both engines: the same rows stored, the same views returned (the bulk path builds them from the message and a few
/// returned columns rather than reading the row back), and a message id replayed in a later batch stored once.
/// </summary>
public sealed class AlertBatchStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-alert-batch-").FullName;
    private readonly FakeTimeProvider _clock = new(Samples.T0);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task ApplyAsync_BatchesAgainstOneByOne_SameRowsAndViews(StorageProvider provider)
    {
        await using var bulkDatabase = await CreateAsync(provider, "bulk");
        await using var singleDatabase = await CreateAsync(provider, "single");
        var (bulkAlerts, singleAlerts) = (new AlertStore(bulkDatabase, new AuditLog(bulkDatabase, _clock)), new AlertStore(singleDatabase, new AuditLog(singleDatabase, _clock)));
        var bulk = new AlertBatchStore(bulkDatabase, bulkAlerts);

        // Times off the microsecond (stored to the microsecond), a start without zone nor measurement, an end without reason.
        var at = Samples.T0.AddTicks(1_234_567);
        var starts = Enumerable.Range(0, 12).Select(i => Samples.AlertStart($"pole-{i % 3}", startedAt: at.AddSeconds(i)) with { ZoneId = i == 5 ? null : "quai-nord", Measurement = i == 6 ? null : new Measurement("duration", 2.0, "s") }).ToList();
        var later = starts.Select((s, i) => i % 2 == 0 ? Samples.Next(s, AlertState.Update, 1, 2.5) : Samples.Next(s, AlertState.End, 1, 3.25) with { EndReason = i == 1 ? null : AlertEndReason.Interrupted }).ToList();
        var first = starts.Select(m => (m, at.AddTicks(3))).ToList();
        var second = later.Select(m => (m, at.AddSeconds(5).AddTicks(7))).ToList();

        var bulkViews = new List<AlertView?>();
        var singleViews = new List<AlertView?>();
        bulkViews.AddRange((await bulkDatabase.InTransactionAsync((c, t) => bulk.ApplyAsync(c, t, first, CancellationToken.None), CancellationToken.None)).Select(r => r.Alert));
        foreach (var (message, received) in first)
        {
            singleViews.Add((await singleAlerts.ApplyAsync(message, received, CancellationToken.None)).Alert);
        }

        // A decision between the two batches: the moved alert's view keeps it, and its first receipt.
        foreach (var store in new[] { bulkAlerts, singleAlerts })
        {
            await store.DecideAsync(starts[4].AlertId, AlertDecisionKind.Confirmed, null, "vu", "op", at.AddSeconds(4), CancellationToken.None);
        }

        bulkViews.AddRange((await bulkDatabase.InTransactionAsync((c, t) => bulk.ApplyAsync(c, t, second, CancellationToken.None), CancellationToken.None)).Select(r => r.Alert));
        foreach (var (message, received) in second)
        {
            singleViews.Add((await singleAlerts.ApplyAsync(message, received, CancellationToken.None)).Alert);
        }

        Assert.Equal(24, bulkViews.Count(v => v is not null));
        Assert.Equal(singleViews.Select(Json), bulkViews.Select(Json));
        Assert.NotNull(bulkViews[12 + 4]!.Decision);
        foreach (var id in starts.Select(s => s.AlertId))
        {
            // What the bulk path returned is what is read back.
            Assert.Equal(Json(await bulkAlerts.FindAsync(id, CancellationToken.None)), Json(bulkViews.Last(v => v!.AlertId == id)));
        }

        Assert.Equal(await RowsAsync(singleDatabase), await RowsAsync(bulkDatabase));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Postgres)]
    public async Task ApplyAsync_MessageIdReplayedInALaterBatch_StoredOnceAndAlertNotMovedAgain(StorageProvider provider)
    {
        await using var database = await CreateAsync(provider, "replay");
        var alerts = new AlertStore(database, new AuditLog(database, _clock));
        var bulk = new AlertBatchStore(database, alerts);
        var starts = Enumerable.Range(0, 6).Select(i => Samples.AlertStart($"pole-{i}")).ToList();
        var updates = starts.Select(s => Samples.Next(s, AlertState.Update, 1, 2)).ToList();
        await database.InTransactionAsync((c, t) => bulk.ApplyAsync(c, t, [.. starts.Select(m => (m, Samples.T0))], CancellationToken.None), CancellationToken.None);

        // Three starts replayed among three new updates, then the updates replayed.
        var mixed = starts.Take(3).Concat(updates.Skip(3)).Select(m => (m, Samples.T0.AddSeconds(3))).ToList();
        var results = await database.InTransactionAsync((c, t) => bulk.ApplyAsync(c, t, mixed, CancellationToken.None), CancellationToken.None);
        var again = await database.InTransactionAsync((c, t) => bulk.ApplyAsync(c, t, [.. updates.Skip(3).Select(m => (m, Samples.T0.AddSeconds(4)))], CancellationToken.None), CancellationToken.None);

        Assert.Equal([.. Enumerable.Repeat(AlertApplyOutcome.Duplicate, 3), .. Enumerable.Repeat(AlertApplyOutcome.Applied, 3)], results.Select(r => r.Outcome));
        Assert.All(again, r => Assert.Equal(AlertApplyOutcome.Duplicate, r.Outcome));
        foreach (var (start, i) in starts.Select((s, i) => (s, i)))
        {
            Assert.Equal(i < 3 ? 1 : 2, await alerts.CountMessagesAsync(start.AlertId, CancellationToken.None));
            Assert.Equal(i < 3 ? 0 : 1, (await alerts.FindAsync(start.AlertId, CancellationToken.None))!.Sequence);
        }
    }

    private static string Json(AlertView? view) => view is null ? "null" : JsonSerializer.Serialize(view, FleetJsonContext.Default.AlertView);

    private async Task<FleetDatabase> CreateAsync(StorageProvider provider, string name)
    {
        var database = provider == StorageProvider.Postgres
            ? FleetDatabase.CreatePostgres(postgres.CreateSchema())
            : FleetDatabase.Create(new StorageOptions { DataDirectory = Directory.CreateDirectory(Path.Combine(_directory, name)).FullName }, "/");
        await new MigrationRunner(database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        return database;
    }

    private static async Task<List<string>> RowsAsync(FleetDatabase database)
    {
        var rows = new List<string>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        foreach (var sql in new[] { $"SELECT {AlertStore.Columns} FROM alerts ORDER BY alert_id;", "SELECT message_id, alert_id, device_id, sequence, state, received_at, payload FROM alert_messages ORDER BY message_id;" })
        {
            await using var command = connection.Sql(null, sql);
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
            while (await reader.ReadAsync(CancellationToken.None))
            {
                rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        return rows;
    }
}
