using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// Logs refused messages at most once per device, reason and <see cref="IngestionOptions.RejectLogInterval"/> (on the
/// injected clock), so that a device sending garbage in a loop costs a warning per interval, not one per message; the next
/// warning says how many were left out. Counting and dead-lettering are not limited. The text that comes from the device
/// (topic, detail) is made printable first: a forged newline cannot forge a log line.
/// </summary>
public sealed partial class RejectionLog(IOptions<IngestionOptions> options, TimeProvider timeProvider, ILogger<RejectionLog> logger)
{
    /// <summary>
    /// Devices × reasons followed at once. Past it (thousands of made-up device ids within one interval), devices not yet
    /// followed share one key per reason (so at most this plus one per reason), the memory stays bounded and the flood is
    /// still logged once per interval.
    /// </summary>
    public const int MaxTracked = 10000;

    private const string AnyDevice = "*";
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Device, RejectReason Reason), Entry> _entries = [];
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;

    /// <summary>Devices × reasons followed now (bounded by <see cref="MaxTracked"/> plus one shared key per reason).</summary>
    public int Tracked
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Logs <paramref name="refused"/> unless the same device had a refusal for the same reason logged within the interval.</summary>
    /// <returns>Whether it was logged.</returns>
    public bool Refused(StoredMessage refused)
    {
        var now = timeProvider.GetUtcNow();
        var interval = options.Value.RejectLogInterval;
        var device = WireJson.Printable(Topics.DeviceIdOf(refused.Topic), PayloadDecoder.MaxIdLength);
        long left;
        lock (_gate)
        {
            var key = (device, refused.Reason);
            if (!_entries.ContainsKey(key) && _entries.Count >= MaxTracked)
            {
                // At most one sweep per interval: during a flood, every sweep sooner would find nothing to remove.
                if (now - _lastPrune >= interval)
                {
                    _lastPrune = now;
                    Prune(now, interval);
                }

                if (_entries.Count >= MaxTracked)
                {
                    key = (AnyDevice, refused.Reason);
                }
            }

            if (_entries.TryGetValue(key, out var entry) && now - entry.LoggedAt < interval)
            {
                entry.Left++;
                return false;
            }

            left = entry?.Left ?? 0;
            _entries[key] = new Entry { LoggedAt = now };
        }

        LogRejected(logger, WireJson.Printable(refused.Topic, DeadLetterStore.MaxTopicLength), RejectReasons.Name(refused.Reason), WireJson.Printable(refused.Detail, DeadLetterStore.MaxDetailLength), left);
        return true;
    }

    private void Prune(DateTimeOffset now, TimeSpan interval)
    {
        foreach (var (key, entry) in _entries.Where(e => now - e.Value.LoggedAt >= interval).ToList())
        {
            _entries.Remove(key);
        }
    }

    [LoggerMessage(EventId = 12706, Level = LogLevel.Warning, Message = "Rejected message on {Topic}: {Reason}: {Detail} ({LeftOut} more of this device and reason not logged since the last line)")]
    private static partial void LogRejected(ILogger logger, string topic, string reason, string detail, long leftOut);

    private sealed class Entry
    {
        public DateTimeOffset LoggedAt { get; init; }

        public long Left { get; set; }
    }
}
