using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// Bounded in-memory FIFO of alerts waiting for the broker. An alert leaves the queue only after the broker
/// acknowledged it (peek, publish, then remove), so a connection lost mid-publish resends it (QoS 1 semantics,
/// consumers deduplicate on <c>messageId</c>). When full, the oldest alert is dropped and counted.
/// This queue does not survive a restart: a durable SQLite outbox replaces it in a later issue.
/// </summary>
internal sealed class AlertQueue(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<AlertMessage> _items = new();
    private TaskCompletionSource? _nonEmpty;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an alert; returns the alert that was dropped to make room, if any.</summary>
    public AlertMessage? Enqueue(AlertMessage alert)
    {
        TaskCompletionSource? wake;
        AlertMessage? dropped = null;
        lock (_gate)
        {
            if (_items.Count >= capacity)
            {
                dropped = _items.Dequeue();
            }

            _items.Enqueue(alert);
            wake = _nonEmpty;
            _nonEmpty = null;
        }

        wake?.TrySetResult();
        return dropped;
    }

    public bool TryPeek(out AlertMessage alert)
    {
        lock (_gate)
        {
            return _items.TryPeek(out alert!);
        }
    }

    /// <summary>Removes <paramref name="alert"/> if it is still at the head (it may have been dropped meanwhile).</summary>
    public void RemoveHead(AlertMessage alert)
    {
        lock (_gate)
        {
            if (_items.TryPeek(out var head) && ReferenceEquals(head, alert))
            {
                _items.Dequeue();
            }
        }
    }

    /// <summary>Completes when the queue holds at least one alert (a wake-up is never lost: no count is consumed).</summary>
    public Task WaitNonEmptyAsync()
    {
        lock (_gate)
        {
            if (_items.Count > 0)
            {
                return Task.CompletedTask;
            }

            _nonEmpty ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _nonEmpty.Task;
        }
    }
}
