using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Outbox;

/// <summary>The alerts a previous run left open are ended, as interrupted, when the outbox opens.</summary>
public sealed partial class SqliteAlertOutbox
{
    /// <summary>
    /// Every alert started or updated and never ended (the outbox's <c>open_alerts</c> table, written in the transaction that
    /// stored each message) was open when the agent died: its end is queued now, with reason <c>interrupted</c>, the next
    /// sequence number and the last observation as its end time, so that nobody keeps it as live. Queuing the end removes it
    /// from the table in the same transaction, so a crash during this start repeats nothing twice. The agent calls it once,
    /// when it opens its outbox at start and before any pipeline runs; returns how many alerts it ended.
    /// </summary>
    public int EndInterruptedAlerts()
    {
        List<byte[]> open;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            open = _db.OpenAlerts();
        }

        if (open.Count == 0)
        {
            return 0;
        }

        var now = _time.GetUtcNow();
        var ends = open
            .Select(payload => JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.AlertMessage)!)
            .Select(last => last with
            {
                MessageId = Guid.CreateVersion7(now).ToString(),
                Sequence = last.Sequence + 1,
                State = AlertState.End,
                EndedAt = last.ObservedAt,
                EndReason = AlertEndReason.Interrupted,
            })
            .ToList();
        Enqueue(ends);
        OutboxLog.EndedInterrupted(_logger, ends.Count, Location);
        return ends.Count;
    }
}
