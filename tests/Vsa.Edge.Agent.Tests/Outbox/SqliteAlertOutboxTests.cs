using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Outbox;

/// <summary>The durable outbox on a real SQLite file, with the clock under test control.</summary>
public sealed class SqliteAlertOutboxTests : IDisposable
{
    private const string DeviceId = "edge-outbox-01";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-outbox-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggers;

    public SqliteAlertOutboxTests() => _loggers = _logs.CreateFactory();

    public void Dispose()
    {
        _loggers.Dispose();
        _logs.Dispose();
        _dir.Delete(recursive: true);
    }

    [Fact]
    public void Enqueue_ThenReopen_KeepsTheAlertsInOrderWithTheirExactBytes()
    {
        var alerts = Enumerable.Range(0, 5).Select(_ => TestAlerts.Start(DeviceId)).ToList();
        using (var outbox = Open())
        {
            outbox.Enqueue(alerts.Take(2).ToList());
            foreach (var alert in alerts.Skip(2))
            {
                outbox.Enqueue(alert);
            }
        }

        using var reopened = Open();
        var waiting = reopened.Peek(100);

        Assert.Equal(alerts.Select(a => a.MessageId), waiting.Select(e => e.MessageId));
        Assert.Equal(alerts.Select(a => a.AlertId), waiting.Select(e => e.AlertId));
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(alerts[3], ContractsJsonContext.Default.AlertMessage), waiting[3].Payload);
        Assert.Equal(5, reopened.Counts.Depth);
        Assert.Contains(_logs.Entries, e => e.EventId == 4100);
    }

    [Fact]
    public void Remove_Acknowledged_LeavesTheRestAndCountsDelivered()
    {
        using var outbox = Open();
        outbox.Enqueue(Enumerable.Range(0, 4).Select(_ => TestAlerts.Start(DeviceId)).ToList());
        var head = outbox.Peek(2);

        outbox.Remove(head);
        outbox.Remove(head);

        var rest = outbox.Peek(10);
        Assert.Equal(2, rest.Count);
        Assert.DoesNotContain(rest, e => head.Any(h => h.MessageId == e.MessageId));
        Assert.Equal(2, outbox.Counts.Delivered);
        Assert.Equal(rest.Sum(e => (long)e.Payload.Length), outbox.Counts.Bytes);
    }

    [Fact]
    public void Enqueue_SameMessageTwice_StoresItOnce()
    {
        using var outbox = Open();
        var alert = TestAlerts.Start(DeviceId);

        outbox.Enqueue(alert);
        outbox.Enqueue(alert);

        Assert.Equal(1, outbox.Counts.Depth);
    }

    [Fact]
    public void Enqueue_OverMaxAlerts_DropsTheOldestFirstAndCountsEachDrop()
    {
        using var outbox = Open(new OutboxOptions { MaxAlerts = 3 });
        var alerts = Enumerable.Range(0, 5).Select(_ => TestAlerts.Start(DeviceId)).ToList();

        foreach (var alert in alerts)
        {
            outbox.Enqueue(alert);
        }

        Assert.Equal(alerts.Skip(2).Select(a => a.MessageId), outbox.Peek(10).Select(e => e.MessageId));
        Assert.Equal(2, outbox.Counts.DroppedFull);
        Assert.Equal(2, outbox.Counts.Dropped);
        Assert.Equal(2, _logs.Entries.Count(e => e.EventId == 4101));
    }

    [Fact]
    public void Enqueue_OverMaxBytes_DropsTheOldestUntilTheBytesFit()
    {
        var one = JsonSerializer.SerializeToUtf8Bytes(TestAlerts.Start(DeviceId), ContractsJsonContext.Default.AlertMessage).Length;
        var fits = 65536 / one;
        using var outbox = Open(new OutboxOptions { MaxBytes = 65536 });
        var alerts = Enumerable.Range(0, fits + 3).Select(_ => TestAlerts.Start(DeviceId)).ToList();

        outbox.Enqueue(alerts);

        var counts = outbox.Counts;
        Assert.True(counts.Bytes <= 65536, $"{counts.Bytes} bytes kept");
        Assert.Equal(alerts.Count, counts.Depth + counts.DroppedFull);
        Assert.True(counts.DroppedFull >= 3);
        Assert.Equal(alerts[^1].MessageId, outbox.Peek(100_000)[^1].MessageId);
        Assert.Equal(alerts[(int)counts.DroppedFull].MessageId, outbox.Peek(1)[0].MessageId);
    }

    [Fact]
    public void Peek_AlertsOlderThanMaxAge_DropsThemAsExpiredAndKeepsTheYoungerOnes()
    {
        using var outbox = Open(new OutboxOptions { MaxAge = TimeSpan.FromHours(1) });
        var old = Enumerable.Range(0, 3).Select(_ => TestAlerts.Start(DeviceId)).ToList();
        outbox.Enqueue(old);
        _time.Advance(TimeSpan.FromMinutes(40));
        var young = TestAlerts.Start(DeviceId);
        outbox.Enqueue(young);

        _time.Advance(TimeSpan.FromMinutes(21));
        var waiting = outbox.Peek(10);

        Assert.Equal([young.MessageId], waiting.Select(e => e.MessageId));
        Assert.Equal(3, outbox.Counts.DroppedExpired);
        Assert.Equal(0, outbox.Counts.DroppedFull);
        Assert.Equal(_time.GetUtcNow().AddMinutes(-21), outbox.OldestStoredAt);
        Assert.Contains(_logs.Entries, e => e.EventId == 4102);
    }

    [Fact]
    public void Enqueue_AfterMaxAgeWithoutAPeek_PurgesTheExpiredFromTheFile()
    {
        // Offline, nothing peeks: the next alert written is what purges the ones past their age limit.
        using var outbox = Open(new OutboxOptions { MaxAge = TimeSpan.FromHours(1) });
        outbox.Enqueue([TestAlerts.Start(DeviceId), TestAlerts.Start(DeviceId)]);
        _time.Advance(TimeSpan.FromMinutes(61));

        outbox.Enqueue([TestAlerts.Start(DeviceId)]);

        Assert.Equal(2, outbox.Counts.DroppedExpired);
        Assert.Equal(_time.GetUtcNow(), outbox.OldestStoredAt);
    }

    [Fact]
    public void Counts_DropsAndDeliveries_SurviveAReopen()
    {
        using (var outbox = Open(new OutboxOptions { MaxAlerts = 1 }))
        {
            outbox.Enqueue(TestAlerts.Start(DeviceId));
            outbox.Enqueue(TestAlerts.Start(DeviceId));
            outbox.Remove(outbox.Peek(1));
        }

        using var reopened = Open();

        Assert.Equal(1, reopened.Counts.DroppedFull);
        Assert.Equal(1, reopened.Counts.Delivered);
        Assert.Equal(0, reopened.Counts.Depth);
    }

    [Fact]
    public void Reject_RefusedForGood_MovesItAsideAndUnblocksTheNext()
    {
        using var outbox = Open();
        var alerts = Enumerable.Range(0, 2).Select(_ => TestAlerts.Start(DeviceId)).ToList();
        outbox.Enqueue(alerts);

        outbox.Reject(outbox.Peek(1)[0], "PayloadFormatInvalid");

        Assert.Equal([alerts[1].MessageId], outbox.Peek(10).Select(e => e.MessageId));
        Assert.Equal(1, outbox.Counts.Rejected);
        Assert.Contains(_logs.Entries, e => e.EventId == 4104 && e.Message.Contains(alerts[0].MessageId, StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_OutboxHeldByAnotherAgent_FailsNamingIt()
    {
        using var first = Open();

        var ex = Assert.Throws<OutboxException>(() => Open());

        Assert.Contains("in use", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_DamagedFile_SetsItAsideAndStartsEmpty()
    {
        var path = Path.Combine(_dir.FullName, $"outbox-{DeviceId}.db");
        File.WriteAllText(path, "this is not an SQLite database, but it is long enough to have a header of one.............");

        using var outbox = Open();
        outbox.Enqueue(TestAlerts.Start(DeviceId));

        Assert.Equal(1, outbox.Counts.Depth);
        Assert.Single(_dir.GetFiles($"outbox-{DeviceId}.db.corrupt-*"));
        Assert.Contains(_logs.Entries, e => e.EventId == 4105);
    }

    [Fact]
    public async Task WaitAsync_ConditionMetLater_CompletesOnTheChange()
    {
        using var outbox = Open();
        var waiting = outbox.WaitAsync(c => c.Depth >= 2, CancellationToken.None);
        outbox.Enqueue(TestAlerts.Start(DeviceId));
        Assert.False(waiting.IsCompleted);

        outbox.Enqueue(TestAlerts.Start(DeviceId));

        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private SqliteAlertOutbox Open(OutboxOptions? options = null) =>
        new(_dir.FullName, DeviceId, options ?? new OutboxOptions(), _time, _loggers.CreateLogger<SqliteAlertOutbox>());
}
