using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Outbox;

/// <summary>The outbox remembers which alerts are open, on its real SQLite file, and ends them as interrupted at the next start.</summary>
public sealed class InterruptedAlertsTests : IDisposable
{
    private const string DeviceId = "edge-open-01";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-open-");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void EndInterruptedAlerts_AfterRestart_EndsOnlyTheAlertsLeftOpenWithTheNextSequence()
    {
        var open = TestAlerts.Start(DeviceId);
        var updated = open with { MessageId = Guid.CreateVersion7().ToString(), Sequence = 1, State = AlertState.Update, ObservedAt = open.ObservedAt.AddSeconds(3) };
        var closed = TestAlerts.Start(DeviceId);
        var end = closed with { MessageId = Guid.CreateVersion7().ToString(), Sequence = 1, State = AlertState.End, EndedAt = closed.ObservedAt };
        using (var first = Open())
        {
            first.Enqueue([open, closed]);
            first.Enqueue([updated, end]);
            first.Remove(first.Peek(100));
        }

        using var restarted = Open();
        var ended = restarted.EndInterruptedAlerts();
        var endedAgain = restarted.EndInterruptedAlerts();
        var waiting = restarted.Peek(100).Select(e => JsonSerializer.Deserialize(e.Payload, ContractsJsonContext.Default.AlertMessage)!).ToList();

        Assert.Equal(1, ended);
        Assert.Equal(0, endedAgain);
        var interrupted = Assert.Single(waiting);
        Assert.Equal(open.AlertId, interrupted.AlertId);
        Assert.Equal(AlertState.End, interrupted.State);
        Assert.Equal(AlertEndReason.Interrupted, interrupted.EndReason);
        Assert.Equal(2, interrupted.Sequence);
        Assert.Equal(updated.ObservedAt, interrupted.EndedAt);
        Assert.NotEqual(updated.MessageId, interrupted.MessageId);
        Assert.Contains("\"endReason\":\"interrupted\"", System.Text.Encoding.UTF8.GetString(restarted.Peek(1)[0].Payload), StringComparison.Ordinal);
    }

    [Fact]
    public void EndInterruptedAlerts_EveryAlertEnded_QueuesNothing()
    {
        var alert = TestAlerts.Start(DeviceId);
        using (var first = Open())
        {
            first.Enqueue([alert, alert with { MessageId = Guid.CreateVersion7().ToString(), Sequence = 1, State = AlertState.End, EndedAt = alert.ObservedAt }]);
        }

        using var restarted = Open();

        Assert.Equal(0, restarted.EndInterruptedAlerts());
        Assert.Equal(2, restarted.Counts.Depth);
    }

    private SqliteAlertOutbox Open() => new(_dir.FullName, DeviceId, new OutboxOptions(), _time, NullLogger<SqliteAlertOutbox>.Instance);
}
