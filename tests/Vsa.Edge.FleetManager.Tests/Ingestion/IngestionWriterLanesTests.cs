using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// Several writers on PostgreSQL (<see cref="IngestionOptions.Writers"/>): each device's messages stored in order by one
/// writer, every acknowledgement in arrival order and after its commit, a failed part losing nothing, a deadlock between
/// writers retried.
/// </summary>
public sealed class IngestionWriterLanesTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private string _connectionString = null!;
    private FleetDatabase _database = null!;
    private AlertStore _alerts = null!;
    private IngestionStatistics _statistics = null!;

    public async Task InitializeAsync()
    {
        _connectionString = postgres.CreateSchema();
        _database = FleetDatabase.CreatePostgres(_connectionString);
        await new MigrationRunner(_database, _clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        _alerts = new AlertStore(_database, new AuditLog(_database, _clock));
        _statistics = new IngestionStatistics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _metrics.DisposeAsync();
    }

    [Theory]
    [InlineData(0, 2, false)]
    [InlineData(0, 2, true)]
    [InlineData(3, 3, true)]
    public async Task Burst_ManyDevicesWithUpdates_EachDeviceInOrderEveryAckInArrivalOrderAfterItsCommit(int configured, int writers, bool adjacent)
    {
        using var writer = CreateWriter(batchSize: 16, configured);
        var connection = new Connection();
        var acks = new ConcurrentQueue<string>();
        var storedWhenAcked = new ConcurrentQueue<bool>();
        var allAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // 30 devices, each an alert and three updates: every batch of 16 holds several devices, so it is shared between the
        // writers. Interleaved, each alert's later messages come in later batches, stored by the same writer after it; adjacent,
        // an alert's four messages are mostly in one batch, stored by one writer in one transaction, in order.
        var starts = Enumerable.Range(0, 30).Select(i => Samples.AlertStart($"pole-{i:D2}")).ToList();
        var updates = Enumerable.Range(1, 3).SelectMany(s => starts.Select(a => Samples.Next(a, AlertState.Update, s, s))).ToList();
        var messages = adjacent
            ? starts.SelectMany(a => updates.Where(u => u.AlertId == a.AlertId).Prepend(a)).ToList()
            : starts.Concat(updates).ToList();
        foreach (var alert in messages)
        {
            await writer.EnqueueAsync(Message(alert, connection, async () =>
            {
                // The order in which the writer hands the acknowledgements to the client (its send queue keeps it).
                acks.Enqueue(alert.MessageId);
                var row = await _alerts.FindAsync(alert.AlertId, CancellationToken.None);
                storedWhenAcked.Enqueue(row is not null && row.Sequence >= alert.Sequence);
                if (storedWhenAcked.Count == messages.Count)
                {
                    allAcked.SetResult();
                }
            }), CancellationToken.None);
        }

        await writer.StartAsync(CancellationToken.None);
        await allAcked.Task.WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(writers, writer.Writers);
        Assert.Equal(messages.Select(m => m.MessageId), acks);
        Assert.All(storedWhenAcked, Assert.True);

        // Every update applied (none stale: no writer stored an alert's update before its start or an earlier update).
        var snapshot = _statistics.Snapshot();
        Assert.Equal((messages.Count, 0L), (snapshot.Alerts, snapshot.Stale));
        foreach (var start in starts)
        {
            Assert.Equal(3, (await _alerts.FindAsync(start.AlertId, CancellationToken.None))!.Sequence);
        }

        // More transactions than batches of 16: the batches were shared out.
        Assert.True(writer.Batches > messages.Count / 16, $"{writer.Batches} transactions for {messages.Count} messages");
        Assert.Empty(connection.Failures);
    }

    [Fact]
    public async Task PartFails_ItsMessagesNotAckedAndFailed_OthersStoredAndAcked_NoneLost()
    {
        using var writer = CreateWriter(batchSize: 32, writers: 2);

        // The storage refuses one device's messages (a trigger): the part holding them is rolled back.
        await ExecuteAsync("""
            CREATE FUNCTION refuse_pole_bad() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.device_id = 'pole-bad' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_pole_bad BEFORE INSERT ON alert_messages FOR EACH ROW EXECUTE FUNCTION refuse_pole_bad();
            """);
        var alerts = Enumerable.Range(0, 60).Select(i => Samples.AlertStart(i % 10 == 0 ? "pole-bad" : $"pole-{i % 10:D2}")).ToList();

        // Each message on its own connection, as the embedded broker hands them over: acknowledged, or failed, never both.
        var answered = 0;
        var allAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = alerts.Select(_ => new Connection(Answered)).ToList();
        var acked = new ConcurrentDictionary<string, bool>();
        for (var i = 0; i < alerts.Count; i++)
        {
            var alert = alerts[i];
            await writer.EnqueueAsync(Message(alert, connections[i], () =>
            {
                acked.TryAdd(alert.AlertId, true);
                Answered();
                return Task.CompletedTask;
            }), CancellationToken.None);
        }

        await writer.StartAsync(CancellationToken.None);
        await allAnswered.Task.WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        for (var i = 0; i < alerts.Count; i++)
        {
            var stored = await _alerts.FindAsync(alerts[i].AlertId, CancellationToken.None) is not null;
            var wasAcked = acked.ContainsKey(alerts[i].AlertId);
            var failed = !connections[i].Failures.IsEmpty;
            Assert.True(wasAcked != failed, $"{alerts[i].DeviceId}: acknowledged {wasAcked}, failed {failed}");
            Assert.Equal(wasAcked, stored);
        }

        Assert.All(alerts.Select((a, i) => (a, i)).Where(x => x.a.DeviceId == "pole-bad"), x => Assert.NotEmpty(connections[x.i].Failures));
        Assert.Contains(alerts, a => acked.ContainsKey(a.AlertId));

        void Answered()
        {
            if (Interlocked.Increment(ref answered) == alerts.Count)
            {
                allAnswered.SetResult();
            }
        }
    }

    [Fact]
    public async Task Deadlock_WriterIsTheVictim_TransactionStoredAgainAndAcked()
    {
        // The writer's server process checks for a deadlock 100 ms after it starts waiting; the other session only after 60 s.
        var quick = new NpgsqlConnectionStringBuilder(_connectionString) { Options = "-c deadlock_timeout=100" }.ToString();
        await using var writerDatabase = FleetDatabase.CreatePostgres(quick);
        using var writer = CreateWriter(batchSize: 16, writers: 2, writerDatabase);
        var connection = new Connection();
        var start = Samples.AlertStart("pole-01");
        var update = Samples.Next(start, AlertState.Update, 1, 1);
        var startAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var updateAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await writer.StartAsync(CancellationToken.None);
        await writer.EnqueueAsync(Message(start, connection, () => Task.FromResult(startAcked.TrySetResult())), CancellationToken.None);
        await startAcked.Task.WaitAsync(FleetApp.Timeout);

        // A gate: after logging a message the writer waits for advisory lock 42, held by the gate session.
        await ExecuteAsync("""
            CREATE FUNCTION gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(42); RETURN NEW; END $$;
            CREATE TRIGGER gate AFTER INSERT ON alert_messages FOR EACH ROW EXECUTE FUNCTION gate();
            """);
        await using var gate = await OpenAsync();
        await using var gateTransaction = await gate.BeginTransactionAsync();
        await Run(gate, "SELECT pg_advisory_xact_lock(42);");

        // The other session holds the alert's row. The writer logs the update's message and waits at the gate; the other
        // session inserts the same message id and waits for the writer. Through the gate, the writer asks for the alert's row
        // and closes the cycle: its server process, the quicker to check, is rolled back.
        await using var other = await OpenAsync();
        await using var otherTransaction = await other.BeginTransactionAsync();
        await Run(other, "SET LOCAL deadlock_timeout = '60s'; SELECT 1 FROM alerts WHERE alert_id = @a FOR UPDATE;", start.AlertId);
        await writer.EnqueueAsync(Message(update, connection, () => Task.FromResult(updateAcked.TrySetResult())), CancellationToken.None);
        await WaitForLockWaitersAsync(1);
        var cycle = Run(other, "INSERT INTO alert_messages (message_id, alert_id, device_id, sequence, state, received_at, payload) VALUES (@m, @a, 'pole-01', 1, 'update', now(), '{}');", start.AlertId, update.MessageId);
        await WaitForLockWaitersAsync(2);
        await gateTransaction.CommitAsync();
        await cycle.WaitAsync(FleetApp.Timeout);
        Assert.False(updateAcked.Task.IsCompleted);

        // The other session gives its row and its message back; the writer's second attempt goes through.
        await otherTransaction.RollbackAsync();
        await updateAcked.Task.WaitAsync(FleetApp.Timeout);
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(1, writer.Retries);
        Assert.Equal(1, (await _alerts.FindAsync(start.AlertId, CancellationToken.None))!.Sequence);
        Assert.Empty(connection.Failures);
        Assert.Equal(2, _statistics.Snapshot().Alerts);
    }

    [Fact]
    public async Task DeadLetters_BoundOnPostgres_TwoWritersTrimmingAtOnce_NeitherWaitsNewestKept()
    {
        var store = new DeadLetterStore(_database, Options.Create(new IngestionOptions { DeadLetterMaxRows = 100 }));
        var refused = new StoredMessage("vsa/v1/pole-1/alerts", IngestionOutcome.Rejected, MessageKind.Alert, RejectReason.MalformedJson, "test");
        for (var i = 0; i < 120; i++)
        {
            await AddAsync(i);
        }

        // One writer's transaction holds the oldest rows it is trimming; the other trims in the meantime without waiting.
        await using var holder = await _database.OpenAsync(CancellationToken.None);
        await using var held = await holder.BeginTransactionAsync();
        await store.AddAsync(holder, held, refused, new byte[] { 1 }, Samples.T0, CancellationToken.None);
        await AddAsync(121).WaitAsync(FleetApp.Timeout);
        await held.CommitAsync();

        var kept = await store.ListAsync(1000, null, CancellationToken.None);
        Assert.InRange(kept.Count, 100, 101);
        Assert.Equal(Enumerable.Range(0, kept.Count).Select(i => kept[0].Id - i), kept.Select(k => k.Id));

        Task AddAsync(int n) => _database.InTransactionAsync(async (c, t) =>
        {
            await store.AddAsync(c, t, refused, new byte[] { (byte)n }, Samples.T0, CancellationToken.None);
            return true;
        }, CancellationToken.None);
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task Run(NpgsqlConnection connection, string sql, string? alertId = null, string? messageId = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (alertId is not null)
        {
            command.Parameters.AddWithValue("a", alertId);
        }

        if (messageId is not null)
        {
            command.Parameters.AddWithValue("m", messageId);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits (an explicit condition of the server, polled) until <paramref name="count"/> sessions wait for a lock.</summary>
    private async Task WaitForLockWaitersAsync(int count)
    {
        await using var watcher = new NpgsqlConnection(_connectionString);
        await watcher.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock';", watcher);
        var deadline = DateTime.UtcNow + FleetApp.Timeout;
        while ((long)(await command.ExecuteScalarAsync())! < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the writer never waited for the locked row");
            await Task.Yield();
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, sql);
        await command.ExecuteNonQueryAsync();
    }

    private static InboundMessage Message(AlertMessage alert, IInboundConnection connection, Func<Task> acknowledge) =>
        new(Topics.Alerts(alert.DeviceId), JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.AlertMessage), Samples.T0, connection, _ => acknowledge());

    private IngestionWriter CreateWriter(int batchSize, int writers, FleetDatabase? writerDatabase = null)
    {
        var options = Options.Create(new IngestionOptions { BatchSize = batchSize, Writers = writers });
        var pipeline = IngestionRig.Pipeline(_database, _clock, _statistics, options, _alerts);
        return new IngestionWriter(writerDatabase ?? _database, pipeline, options, _clock, NullLogger<IngestionWriter>.Instance);
    }

    private sealed class Connection(Action? failed = null) : IInboundConnection
    {
        private volatile bool _closed;

        public ConcurrentQueue<Exception> Failures { get; } = new();

        public bool IsOpen => !_closed;

        public void StorageFailed(Exception exception)
        {
            _closed = true;
            Failures.Enqueue(exception);
            failed?.Invoke();
        }
    }
}
