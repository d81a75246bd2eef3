using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>The batch writer: one transaction per batch, acknowledgements only after the commit, nothing acknowledged on failure.</summary>
public sealed class IngestionWriterTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-writer-").FullName;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private FleetDatabase _database = null!;
    private AlertStore _alerts = null!;
    private IngestionStatistics _statistics = null!;

    public async Task InitializeAsync()
    {
        _database = FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        await new MigrationRunner(_database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        _alerts = new AlertStore(_database, new AuditLog(_database, _clock));
        _statistics = new IngestionStatistics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    }

    [Fact]
    public async Task Burst_StoredInBatchesOfTheConfiguredSize_EachAckedAfterItsCommitInOrder()
    {
        using var writer = CreateWriter(batchSize: 50);
        var connection = new FakeConnection();
        var acks = new ConcurrentQueue<(string AlertId, bool StoredWhenAcked)>();
        var allAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var alerts = Enumerable.Range(0, 120).Select(_ => Samples.AlertStart("pole-12")).ToList();

        // Queued before the writer starts, so the batches are exactly 50, 50 and 20.
        foreach (var alert in alerts)
        {
            await writer.EnqueueAsync(Message(alert, connection, async () =>
            {
                acks.Enqueue((alert.AlertId, await _alerts.FindAsync(alert.AlertId, CancellationToken.None) is not null));
                if (acks.Count == alerts.Count)
                {
                    allAcked.SetResult();
                }
            }), CancellationToken.None);
        }

        await writer.StartAsync(CancellationToken.None);
        await allAcked.Task.WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(3, writer.Batches);
        Assert.Equal(alerts.Select(a => a.AlertId), acks.Select(a => a.AlertId));
        Assert.All(acks, a => Assert.True(a.StoredWhenAcked));
        Assert.Equal(120, _statistics.Snapshot().Alerts);
        Assert.Empty(connection.Failures);
    }

    [Fact]
    public async Task StorageFails_NothingAckedAndTheConnectionIsDropped()
    {
        using var writer = CreateWriter(batchSize: 50);
        var connection = new FakeConnection();
        var acked = 0;
        await using (var db = await _database.OpenAsync(CancellationToken.None))
        await using (var drop = db.Sql(null, "DROP TABLE alert_messages;"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await writer.StartAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await writer.EnqueueAsync(Message(Samples.AlertStart("pole-12"), connection, () => Task.FromResult(Interlocked.Increment(ref acked))), CancellationToken.None);
        }

        var failure = await connection.Failed.Task.WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        Assert.IsAssignableFrom<System.Data.Common.DbException>(failure);
        Assert.Equal(0, acked);
        Assert.Equal(0, writer.Batches);
        Assert.Equal(0, _statistics.Snapshot().Alerts);
    }

    [Fact]
    public async Task MessageOfADroppedConnection_SkippedNotAcked_NextConnectionStillServed()
    {
        using var writer = CreateWriter(batchSize: 50);
        var dropped = new FakeConnection();
        dropped.Close();
        var current = new FakeConnection();
        var stale = Samples.AlertStart("pole-12");
        var fresh = Samples.AlertStart("pole-12");
        var staleAcked = false;
        var freshAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await writer.EnqueueAsync(Message(stale, dropped, () => Task.FromResult(staleAcked = true)), CancellationToken.None);
        await writer.EnqueueAsync(Message(fresh, current, () => Task.FromResult(freshAcked.TrySetResult())), CancellationToken.None);
        await writer.StartAsync(CancellationToken.None);
        await freshAcked.Task.WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        Assert.False(staleAcked);
        Assert.Null(await _alerts.FindAsync(stale.AlertId, CancellationToken.None));
        Assert.NotNull(await _alerts.FindAsync(fresh.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task Batch_OneMessageFailsOutsideTheStorage_OthersStoredCulpritDeadLetteredAllAcked()
    {
        using var writer = CreateWriter(batchSize: 50);
        var connection = new FakeConnection();
        var acked = new ConcurrentQueue<string>();
        var allAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A corrupt row (not a storage failure): reading the device back after its status throws a JsonException.
        await using (var db = await _database.OpenAsync(CancellationToken.None))
        await using (var corrupt = db.Sql(null, $"INSERT INTO devices (device_id, status, last_health, first_seen_at, updated_at) VALUES ('pole-9', 'online', '{{', '{DbTime.Write(Samples.T0)}', '{DbTime.Write(Samples.T0)}');"))
        {
            await corrupt.ExecuteNonQueryAsync();
        }

        var before = Samples.AlertStart("pole-12");
        var status = Samples.Status("pole-9", DeviceState.Offline, Samples.T0);
        var after = Samples.AlertStart("pole-12");
        var messages = new[]
        {
            Message(before, connection, () => Ack("before")),
            new InboundMessage(Topics.Status("pole-9"), JsonSerializer.SerializeToUtf8Bytes(status, ContractsJsonContext.Default.StatusMessage), Samples.T0, connection, _ => Ack("status")),
            Message(after, connection, () => Ack("after")),
        };
        foreach (var message in messages)
        {
            await writer.EnqueueAsync(message, CancellationToken.None);
        }

        await writer.StartAsync(CancellationToken.None);
        await allAcked.Task.WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(["before", "status", "after"], acked);
        Assert.NotNull(await _alerts.FindAsync(before.AlertId, CancellationToken.None));
        Assert.NotNull(await _alerts.FindAsync(after.AlertId, CancellationToken.None));
        Assert.Equal(1, _statistics.RejectedCount(RejectReason.ProcessingFailed));
        var letter = Assert.Single(await new DeadLetterStore(_database, Options.Create(new IngestionOptions())).ListAsync(10, null, CancellationToken.None));
        Assert.Equal(("processing_failed", "pole-9", "status"), (letter.Reason, letter.DeviceId, letter.Kind));
        Assert.StartsWith("JsonException", letter.Detail, StringComparison.Ordinal);
        Assert.Empty(connection.Failures);

        Task Ack(string name)
        {
            acked.Enqueue(name);
            if (acked.Count == 3)
            {
                allAcked.SetResult();
            }

            return Task.CompletedTask;
        }
    }

    [Fact]
    public void Writers_MoreThanOneOnSqlite_RefusedAtStartNamingTheSetting()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => CreateWriter(batchSize: 50, writers: 2));
        Assert.Contains("Fleet:Ingestion:Writers=2 needs PostgreSQL", refused.Message, StringComparison.Ordinal);
        using var one = CreateWriter(batchSize: 50, writers: 1);
        Assert.Equal(1, one.Writers);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _metrics.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static InboundMessage Message(AlertMessage alert, IInboundConnection connection, Func<Task> acknowledge) =>
        new(Topics.Alerts(alert.DeviceId), JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.AlertMessage), Samples.T0, connection, _ => acknowledge());

    private IngestionWriter CreateWriter(int batchSize, int writers = 0)
    {
        var options = Options.Create(new IngestionOptions { BatchSize = batchSize, Writers = writers });
        var pipeline = IngestionRig.Pipeline(_database, _clock, _statistics, options, _alerts);
        return new IngestionWriter(_database, pipeline, options, _clock, NullLogger<IngestionWriter>.Instance);
    }

    private sealed class FakeConnection : IInboundConnection
    {
        private volatile bool _closed;

        public TaskCompletionSource<Exception> Failed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<Exception> Failures { get; } = [];

        public bool IsOpen => !_closed;

        public void Close() => _closed = true;

        public void StorageFailed(Exception exception)
        {
            _closed = true;
            Failures.Add(exception);
            Failed.TrySetResult(exception);
        }
    }
}
