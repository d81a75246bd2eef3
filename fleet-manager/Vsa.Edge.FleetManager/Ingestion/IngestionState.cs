namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>Connection state of the ingestion client.</summary>
/// <param name="Subscribed">Connected and subscribed to the three topic filters.</param>
/// <param name="Since">When the current subscription was made (fleet clock).</param>
/// <param name="Subscriptions">How many times the client has connected and subscribed since start.</param>
/// <param name="FailedAttempts">Connection attempts that failed since start.</param>
/// <param name="LastError">Why the last attempt failed or the last connection was lost.</param>
/// <param name="NextAttemptAt">When the next connection attempt is due, while not subscribed.</param>
public sealed record IngestionSnapshot(bool Subscribed, DateTimeOffset? Since, long Subscriptions, long FailedAttempts, string? LastError, DateTimeOffset? NextAttemptAt);

/// <summary>
/// The ingestion client's connection state, shared with the status API, the readiness check and the live page. Waiters get
/// an explicit signal on every change instead of polling.
/// </summary>
public sealed class IngestionState
{
    private readonly Lock _gate = new();
    private IngestionSnapshot _current = new(false, null, 0, 0, null, null);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The current state.</summary>
    public IngestionSnapshot Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Completes when <paramref name="condition"/> holds (immediately if it already does).</summary>
    public async Task<IngestionSnapshot> WaitUntilAsync(Func<IngestionSnapshot, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_current))
                {
                    return _current;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    internal IngestionSnapshot Subscribed(DateTimeOffset at) =>
        Update(s => s with { Subscribed = true, Since = at, Subscriptions = s.Subscriptions + 1, LastError = null, NextAttemptAt = null });

    internal IngestionSnapshot AttemptFailed(string error, DateTimeOffset nextAttemptAt) =>
        Update(s => s with { Subscribed = false, Since = null, FailedAttempts = s.FailedAttempts + 1, LastError = error, NextAttemptAt = nextAttemptAt });

    internal IngestionSnapshot ConnectionLost(string error, DateTimeOffset nextAttemptAt) =>
        Update(s => s with { Subscribed = false, Since = null, LastError = error, NextAttemptAt = nextAttemptAt });

    private IngestionSnapshot Update(Func<IngestionSnapshot, IngestionSnapshot> change)
    {
        TaskCompletionSource signal;
        IngestionSnapshot next;
        lock (_gate)
        {
            next = change(_current);
            _current = next;
            signal = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.SetResult();
        return next;
    }
}
