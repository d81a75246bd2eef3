using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Outbox;

/// <summary>
/// Alerts waiting for the broker, oldest first. <see cref="IAlertSink.Enqueue(IReadOnlyList{AlertMessage})"/>
/// returns once the alerts are stored; a publisher <see cref="Peek"/>s, publishes, then <see cref="Remove"/>s what the
/// broker acknowledged, so an alert leaves the outbox only after its PUBACK. The stored bytes are sent as they are:
/// a replay after a restart carries the original message id and alert id, and the fleet deduplicates on them.
/// </summary>
public interface IAlertOutbox : IAlertSink
{
    /// <summary>Where the alerts are kept (a file path, for messages).</summary>
    string Location { get; }

    /// <summary>Depth and counters now.</summary>
    OutboxCounts Counts { get; }

    /// <summary>When the oldest waiting alert was stored; null when empty.</summary>
    DateTimeOffset? OldestStoredAt { get; }

    /// <summary>Up to <paramref name="max"/> waiting alerts, oldest first (expired ones are dropped first).</summary>
    IReadOnlyList<OutboxEntry> Peek(int max);

    /// <summary>Removes alerts the broker acknowledged (those already dropped meanwhile are ignored).</summary>
    void Remove(IReadOnlyList<OutboxEntry> delivered);

    /// <summary>Moves an alert the broker refused for good aside, so it does not block the ones behind it.</summary>
    void Reject(OutboxEntry entry, string reason);

    /// <summary>Completes when <paramref name="condition"/> holds for <see cref="Counts"/> (checked on every change).</summary>
    Task WaitAsync(Func<OutboxCounts, bool> condition, CancellationToken cancellationToken);
}

/// <summary>One stored alert: its outbox sequence number, ids and the exact JSON to publish.</summary>
public sealed record OutboxEntry(long Sequence, string MessageId, string AlertId, DateTimeOffset StoredAt, byte[] Payload);

/// <summary>
/// The outbox's depth and counters. <see cref="Delivered"/>, the drops and <see cref="Rejected"/> are kept in the file,
/// so they count since the outbox was created, across restarts; <see cref="StoreFailures"/> counts since this start.
/// </summary>
/// <param name="Depth">Alerts waiting.</param>
/// <param name="Bytes">Payload bytes waiting.</param>
/// <param name="Stored">Alerts stored since this start.</param>
/// <param name="Delivered">Alerts the broker acknowledged.</param>
/// <param name="DroppedFull">Alerts dropped (oldest first) because <see cref="OutboxOptions.MaxAlerts"/> or <see cref="OutboxOptions.MaxBytes"/> was reached.</param>
/// <param name="DroppedExpired">Alerts dropped because they were older than <see cref="OutboxOptions.MaxAge"/>.</param>
/// <param name="Rejected">Alerts the broker refused for good.</param>
/// <param name="StoreFailures">Alerts that could not be written (disk error): lost.</param>
public readonly record struct OutboxCounts(
    int Depth,
    long Bytes,
    long Stored,
    long Delivered,
    long DroppedFull,
    long DroppedExpired,
    long Rejected,
    long StoreFailures)
{
    /// <summary>Every alert lost: dropped, rejected or not stored.</summary>
    public long Dropped => DroppedFull + DroppedExpired + Rejected + StoreFailures;
}

/// <summary>The outbox cannot be opened (in use by another agent, unreadable folder).</summary>
public sealed class OutboxException : Exception
{
    public OutboxException()
    {
    }

    public OutboxException(string message)
        : base(message)
    {
    }

    public OutboxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
