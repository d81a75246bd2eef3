using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Outbox;

/// <summary>
/// The durable outbox: one SQLite file (WAL) per device in the data directory, <c>outbox-{deviceId}.db</c>, guarded by
/// an exclusive lock file so two agents never send the same device's alerts (they would also fight over the MQTT client
/// id). Appends and removals are transactions; the bounds (count, bytes, age) are enforced in the same transaction as
/// the append that crosses them, oldest first, and every drop is counted in the file. A file SQLite cannot read is
/// renamed aside (<c>.corrupt-…</c>) and a new one started, so a damaged disk block never stops the agent.
/// </summary>
public sealed partial class SqliteAlertOutbox : IAlertOutbox, IDisposable
{
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly FileStream _lockFile;
    private readonly OutboxDatabase _db;
    private TaskCompletionSource? _changed;
    private int _depth;
    private long _bytes;
    private long _oldestMs;
    private long _stored;
    private long _delivered;
    private long _droppedFull;
    private long _droppedExpired;
    private long _rejected;
    private long _storeFailures;
    private bool _disposed;

    public SqliteAlertOutbox(string dataDirectory, string deviceId, OutboxOptions options, TimeProvider time, ILogger<SqliteAlertOutbox> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        _options = options;
        _time = time;
        _logger = logger;
        Location = Path.Combine(Path.GetFullPath(dataDirectory), $"outbox-{deviceId}.db");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Location)!);

            // .NET takes an advisory flock() for FileShare.None on Unix; the kernel releases it when the process dies
            // (kill -9 included), so a crashed agent never leaves a stale lock behind.
            _lockFile = new FileStream(Location + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new OutboxException($"The outbox {Location} is in use by another agent (or its folder is not writable): {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new OutboxException($"The outbox folder {Path.GetDirectoryName(Location)} is not writable: {ex.Message}", ex);
        }

        try
        {
            _db = OutboxDatabase.OpenOrSetAside(Location, _options.Durability, _time, _logger);
            (_depth, _bytes, _oldestMs) = _db.Totals();
            var counters = _db.Counters();
            _delivered = counters.GetValueOrDefault(OutboxDatabase.CounterDelivered);
            _droppedFull = counters.GetValueOrDefault(OutboxDatabase.CounterDroppedFull);
            _droppedExpired = counters.GetValueOrDefault(OutboxDatabase.CounterDroppedExpired);
            _rejected = counters.GetValueOrDefault(OutboxDatabase.CounterRejected);
        }
        catch
        {
            _lockFile.Dispose();
            throw;
        }

        if (_depth > 0)
        {
            OutboxLog.Recovered(_logger, _depth, Location);
        }
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <inheritdoc />
    public OutboxCounts Counts
    {
        get
        {
            lock (_gate)
            {
                return CountsLocked();
            }
        }
    }

    /// <inheritdoc />
    public DateTimeOffset? OldestStoredAt
    {
        get
        {
            lock (_gate)
            {
                return _depth == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_oldestMs);
            }
        }
    }

    /// <inheritdoc />
    public void Enqueue(AlertMessage alert) => Enqueue([alert]);

    /// <inheritdoc />
    public void Enqueue(IReadOnlyList<AlertMessage> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }

        // Serialised once, here: these exact bytes are what every (re)send publishes.
        var payloads = new byte[alerts.Count][];
        for (var i = 0; i < alerts.Count; i++)
        {
            payloads[i] = JsonSerializer.SerializeToUtf8Bytes(alerts[i], ContractsJsonContext.Default.AlertMessage);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var before = (_depth, _bytes, _oldestMs, _droppedFull, _droppedExpired);
            try
            {
                using var tx = _db.Begin();
                int added = 0;
                long addedBytes = 0;
                for (var i = 0; i < alerts.Count; i++)
                {
                    _db.TrackOpen(tx, alerts[i], payloads[i]);
                    if (_db.Insert(tx, alerts[i].MessageId, alerts[i].AlertId, now, payloads[i]))
                    {
                        added++;
                        addedBytes += payloads[i].Length;
                    }
                }

                _oldestMs = _depth == 0 ? now : _oldestMs;
                _depth += added;
                _bytes += addedBytes;
                EnforceBoundsLocked(tx, now);
                tx.Commit();
                _stored += added;
                OutboxLog.Stored(_logger, added, _depth);
            }
            catch (SqliteException ex)
            {
                // The transaction rolled back: so do the figures. Losing these alerts is bad; stopping the camera's pipeline over a disk error is worse. Counted and logged.
                (_depth, _bytes, _oldestMs, _droppedFull, _droppedExpired) = before;
                _storeFailures += alerts.Count;
                OutboxLog.StoreFailed(_logger, ex, alerts.Count, Location);
            }
        }

        Signal();
    }

    /// <inheritdoc />
    public IReadOnlyList<OutboxEntry> Peek(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        List<OutboxEntry> entries;
        var changed = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_depth == 0)
            {
                return [];
            }

            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (_oldestMs < now - (long)_options.MaxAge.TotalMilliseconds)
            {
                using var tx = _db.Begin();
                EnforceBoundsLocked(tx, now);
                tx.Commit();
                changed = true;
            }

            entries = _db.Head(null, max);
        }

        if (changed)
        {
            Signal();
        }

        return entries;
    }

    /// <inheritdoc />
    public void Remove(IReadOnlyList<OutboxEntry> delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        if (delivered.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _db.Begin();
            int removed = 0;
            long removedBytes = 0;
            foreach (var entry in delivered)
            {
                if (_db.Delete(tx, entry.Sequence))
                {
                    removed++;
                    removedBytes += entry.Payload.Length;
                }
            }

            _db.AddCounter(tx, OutboxDatabase.CounterDelivered, removed);
            tx.Commit();
            _delivered += removed;
            _depth -= removed;
            _bytes -= removedBytes;
            RefreshOldestLocked();
        }

        Signal();
    }

    /// <inheritdoc />
    public void Reject(OutboxEntry entry, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _db.Begin();
            if (!_db.Delete(tx, entry.Sequence))
            {
                return;
            }

            _db.MoveToRejected(tx, entry, _time.GetUtcNow().ToUnixTimeMilliseconds(), reason, _options.MaxRejected);
            _db.AddCounter(tx, OutboxDatabase.CounterRejected, 1);
            tx.Commit();
            _rejected++;
            _depth--;
            _bytes -= entry.Payload.Length;
            RefreshOldestLocked();
        }

        OutboxLog.Rejected(_logger, entry.MessageId, entry.AlertId, reason);
        Signal();
    }

    /// <inheritdoc />
    public async Task WaitAsync(Func<OutboxCounts, bool> condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(CountsLocked()))
                {
                    return;
                }

                _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _db.Dispose();
            _lockFile.Dispose();
        }
    }

    // Expired first (they would be dropped anyway), then the oldest until both the count and the byte bounds hold.
    private void EnforceBoundsLocked(SqliteTransaction tx, long nowMs)
    {
        var expiredBefore = nowMs - (long)_options.MaxAge.TotalMilliseconds;
        if (_depth <= _options.MaxAlerts && _bytes <= _options.MaxBytes && (_depth == 0 || _oldestMs >= expiredBefore))
        {
            return;
        }

        var (expired, full, freed, lastSequence) = _db.PlanDrops(tx, expiredBefore, _depth - _options.MaxAlerts, _bytes - _options.MaxBytes);
        if (lastSequence < 0)
        {
            return;
        }

        _db.DeleteUpTo(tx, lastSequence);
        _db.AddCounter(tx, OutboxDatabase.CounterDroppedExpired, expired);
        _db.AddCounter(tx, OutboxDatabase.CounterDroppedFull, full);
        _droppedExpired += expired;
        _droppedFull += full;
        _depth -= expired + full;
        _bytes -= freed;
        RefreshOldestLocked(tx);
        if (expired > 0)
        {
            OutboxLog.DroppedExpired(_logger, expired, _options.MaxAge);
        }

        if (full > 0)
        {
            OutboxLog.DroppedFull(_logger, full, _options.MaxAlerts, _options.MaxBytes);
        }
    }

    private void RefreshOldestLocked(SqliteTransaction? tx = null)
    {
        if (_depth <= 0)
        {
            _depth = 0;
            _bytes = 0;
            return;
        }

        var head = _db.Head(tx, 1);
        _oldestMs = head.Count == 0 ? _oldestMs : head[0].StoredAt.ToUnixTimeMilliseconds();
    }

    private OutboxCounts CountsLocked() =>
        new(_depth, _bytes, _stored, _delivered, _droppedFull, _droppedExpired, _rejected, _storeFailures);

    private void Signal()
    {
        TaskCompletionSource? changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }
}
