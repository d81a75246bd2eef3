using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.DeviceEvents;

/// <summary>
/// The agent's <see cref="IDeviceEventSink"/>: stamps each event (UUIDv7 message id, device id, time), logs it, keeps
/// the device's condition (cameras offline, tamper, maintenance) for the status LED, and queues the event for
/// publication. The queue is bounded (<see cref="Capacity"/>, oldest dropped and counted) so a broker outage cannot
/// grow memory; the publisher reads <see cref="Pending"/> and sends each event on <see cref="Topics.Events"/> (QoS 1).
/// </summary>
public sealed class DeviceEventHub : IDeviceEventSink
{
    /// <summary>Events kept for publication while nobody reads them.</summary>
    public const int Capacity = 1024;

    private const int RecentCount = 64;
    private readonly string _deviceId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<DeviceEvent> _pending;
    private readonly Lock _gate = new();
    private readonly Queue<DeviceEvent> _recent = new(RecentCount);
    private readonly Dictionary<string, bool> _cameraOnline = new(StringComparer.Ordinal);
    private readonly List<Action<DeviceCondition>> _conditionCallbacks = [];
    private bool _tamper;
    private bool _maintenance;
    private DeviceCondition _condition = DeviceCondition.Degraded;
    private long _dropped;

    public DeviceEventHub(string deviceId, TimeProvider time, ILogger<DeviceEventHub> logger)
    {
        _deviceId = string.IsNullOrWhiteSpace(deviceId) ? "unknown" : deviceId;
        _time = time;
        _logger = logger;
        _pending = Channel.CreateBounded<DeviceEvent>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>Events waiting for publication, oldest first; the MQTT publisher is its only reader.</summary>
    public ChannelReader<DeviceEvent> Pending => _pending.Reader;

    /// <summary>Events dropped from <see cref="Pending"/> because nobody read them in time.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The device's condition now.</summary>
    public DeviceCondition Condition
    {
        get
        {
            lock (_gate)
            {
                return _condition;
            }
        }
    }

    /// <summary>The last 64 events, oldest first (for diagnostics and heartbeats).</summary>
    public IReadOnlyList<DeviceEvent> Recent
    {
        get
        {
            lock (_gate)
            {
                return [.. _recent];
            }
        }
    }

    /// <summary>Whether <paramref name="cameraId"/> last reported online (true) or offline (false); null before its first report.</summary>
    public bool? IsCameraOnline(string cameraId)
    {
        ArgumentNullException.ThrowIfNull(cameraId);
        lock (_gate)
        {
            return _cameraOnline.TryGetValue(cameraId, out var online) ? online : null;
        }
    }

    /// <inheritdoc />
    public void Raise(DeviceEventKind kind, string? cameraId, string? reason, long? suppressedAlerts)
    {
        var now = _time.GetUtcNow();
        var e = new DeviceEvent(
            DeviceEvent.SchemaId,
            DeviceEvent.CurrentVersion,
            Guid.CreateVersion7(now).ToString(),
            _deviceId,
            kind,
            now,
            cameraId,
            reason,
            suppressedAlerts);
        var detail = string.IsNullOrEmpty(reason) ? string.Empty : ": " + reason;
        if (kind is DeviceEventKind.CameraOnline or DeviceEventKind.TamperCleared or DeviceEventKind.MaintenanceOff)
        {
            DeviceEventLog.Cleared(_logger, kind, cameraId ?? "-", detail);
        }
        else
        {
            DeviceEventLog.Raised(_logger, kind, cameraId ?? "-", detail);
        }

        Action<DeviceCondition>[] callbacks = [];
        DeviceCondition condition;
        lock (_gate)
        {
            if (_recent.Count == RecentCount)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(e);
            Apply(e);
            condition = Evaluate();
            if (condition != _condition)
            {
                _condition = condition;
                callbacks = [.. _conditionCallbacks];
            }
        }

        _pending.Writer.TryWrite(e);
        foreach (var callback in callbacks)
        {
            callback(condition);
        }
    }

    /// <summary>Calls <paramref name="callback"/> (on the raising thread) whenever <see cref="Condition"/> changes; dispose to stop.</summary>
    public IDisposable OnConditionChanged(Action<DeviceCondition> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_gate)
        {
            _conditionCallbacks.Add(callback);
        }

        return new Subscription(this, callback);
    }

    private void Apply(DeviceEvent e)
    {
        switch (e.Kind)
        {
            case DeviceEventKind.CameraOnline or DeviceEventKind.CameraOffline when e.CameraId is not null:
                _cameraOnline[e.CameraId] = e.Kind == DeviceEventKind.CameraOnline;
                break;
            case DeviceEventKind.Tamper or DeviceEventKind.TamperCleared:
                _tamper = e.Kind == DeviceEventKind.Tamper;
                break;
            case DeviceEventKind.MaintenanceOn or DeviceEventKind.MaintenanceOff:
                _maintenance = e.Kind == DeviceEventKind.MaintenanceOn;
                break;
        }
    }

    private DeviceCondition Evaluate()
    {
        if (_tamper || (_cameraOnline.Count > 0 && !_cameraOnline.ContainsValue(true)))
        {
            return DeviceCondition.Error;
        }

        return _maintenance || _cameraOnline.Count == 0 || _cameraOnline.ContainsValue(false) ? DeviceCondition.Degraded : DeviceCondition.Ok;
    }

    private sealed class Subscription(DeviceEventHub hub, Action<DeviceCondition> callback) : IDisposable
    {
        public void Dispose()
        {
            lock (hub._gate)
            {
                hub._conditionCallbacks.Remove(callback);
            }
        }
    }
}
