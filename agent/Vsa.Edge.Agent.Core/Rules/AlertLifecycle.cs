using System.Runtime.InteropServices;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Start → update → end bookkeeping of the alerts of one event (and one zone, if any) on one camera, keyed by a
/// rule-defined subject (a track id, or 0 for a zone-wide condition): alert ids, sequence numbers, start times and the
/// per-subject cooldown. It builds the <see cref="AlertMessage"/>s so every rule writes them the same way.
/// </summary>
/// <remarks>Asking about a subject (<see cref="CanStart"/>, <see cref="IsOpen"/>) and <see cref="Prune"/> allocate nothing.</remarks>
public sealed class AlertLifecycle
{
    private readonly string _deviceId;
    private readonly string _cameraId;
    private readonly EventType _eventType;
    private readonly string? _zoneId;
    private readonly ModelRef _model;
    private readonly TimeSpan _cooldown;
    private readonly Dictionary<long, Entry> _entries = [];

    /// <summary>Creates the bookkeeping of one event (and zone) on one camera.</summary>
    public AlertLifecycle(string deviceId, string cameraId, EventType eventType, string? zoneId, ModelRef model, TimeSpan cooldown)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(cooldown, TimeSpan.Zero);
        _deviceId = deviceId;
        _cameraId = cameraId;
        _eventType = eventType;
        _zoneId = zoneId;
        _model = model;
        _cooldown = cooldown;
    }

    /// <summary>The event these alerts are of.</summary>
    public EventType EventType => _eventType;

    /// <summary>Number of alerts started and not ended.</summary>
    public int OpenCount { get; private set; }

    /// <summary>Whether an alert is open for the subject.</summary>
    public bool IsOpen(long subject) => _entries.TryGetValue(subject, out var e) && e.Open;

    /// <summary>Whether a new alert may start: none open for the subject and its cooldown over.</summary>
    public bool CanStart(long subject, DateTimeOffset now) =>
        !_entries.TryGetValue(subject, out var e) || (!e.Open && now >= e.CooldownUntil);

    /// <summary>When the open alert of the subject started, or null.</summary>
    public DateTimeOffset? StartedAt(long subject) => _entries.TryGetValue(subject, out var e) && e.Open ? e.StartedAt : null;

    /// <summary>Opens an alert (sequence 0) and returns its start message.</summary>
    public AlertMessage Start(long subject, DateTimeOffset startedAt, DateTimeOffset observedAt, double confidence, Measurement? measurement, IReadOnlyList<AlertObject> objects)
    {
        if (!CanStart(subject, observedAt))
        {
            throw new InvalidOperationException($"Subject {subject} has an open alert or is cooling down.");
        }

        ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, subject, out _);
        e = new Entry { Open = true, AlertId = NewId(observedAt), Sequence = 0, StartedAt = startedAt };
        OpenCount++;
        return Build(ref e, AlertState.Start, observedAt, null, confidence, measurement, objects);
    }

    /// <summary>Reports a change of an open alert (next sequence number).</summary>
    public AlertMessage Update(long subject, DateTimeOffset observedAt, double confidence, Measurement? measurement, IReadOnlyList<AlertObject> objects)
    {
        ref var e = ref OpenEntry(subject);
        e.Sequence++;
        return Build(ref e, AlertState.Update, observedAt, null, confidence, measurement, objects);
    }

    /// <summary>Closes an open alert (next sequence number) and starts the subject's cooldown from <paramref name="observedAt"/>.</summary>
    public AlertMessage End(long subject, DateTimeOffset endedAt, DateTimeOffset observedAt, double confidence, Measurement? measurement, IReadOnlyList<AlertObject> objects)
    {
        ref var e = ref OpenEntry(subject);
        e.Sequence++;
        e.Open = false;
        e.CooldownUntil = observedAt + _cooldown;
        OpenCount--;
        return Build(ref e, AlertState.End, observedAt, endedAt, confidence, measurement, objects);
    }

    /// <summary>Forgets closed subjects whose cooldown is over, so the bookkeeping does not grow with every track ever seen.</summary>
    public void Prune(DateTimeOffset now)
    {
        if (_entries.Count == OpenCount)
        {
            return;
        }

        // Removing while enumerating a Dictionary is allowed (and allocation-free) since .NET Core 3.0.
        foreach (var (subject, entry) in _entries)
        {
            if (!entry.Open && now >= entry.CooldownUntil)
            {
                _entries.Remove(subject);
            }
        }
    }

    private ref Entry OpenEntry(long subject)
    {
        ref var e = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, subject);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref e) || !e.Open)
        {
            throw new InvalidOperationException($"No open alert for subject {subject}.");
        }

        return ref e;
    }

    private AlertMessage Build(ref Entry e, AlertState state, DateTimeOffset observedAt, DateTimeOffset? endedAt, double confidence, Measurement? measurement, IReadOnlyList<AlertObject> objects) =>
        new(
            AlertMessage.SchemaId,
            AlertMessage.CurrentVersion,
            NewId(observedAt),
            e.AlertId,
            e.Sequence,
            _deviceId,
            _cameraId,
            _eventType,
            state,
            e.StartedAt,
            observedAt,
            endedAt,
            _zoneId,
            Math.Clamp(confidence, 0, 1),
            measurement,
            objects,
            _model);

    /// <summary>UUIDv7 stamped with the frame time, so ids sort like the frames; clock time when the frame time predates 1970 (a replayed clip with relative times).</summary>
    private static string NewId(DateTimeOffset at) =>
        (at >= DateTimeOffset.UnixEpoch ? Guid.CreateVersion7(at) : Guid.CreateVersion7()).ToString();

    private struct Entry
    {
        public bool Open;
        public string AlertId;
        public int Sequence;
        public DateTimeOffset StartedAt;
        public DateTimeOffset CooldownUntil;
    }
}
