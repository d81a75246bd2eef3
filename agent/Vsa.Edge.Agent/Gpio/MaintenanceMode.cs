using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Gpio;

/// <summary>
/// The maintenance switch's state. While it is on (installation, cleaning, re-aiming a camera) alerts are counted,
/// not sent. An alert is suppressed as a whole: its start falls in maintenance, so its later updates and its end are
/// suppressed too even after maintenance ends; an alert that started before maintenance keeps its updates and end, so
/// the fleet never sees an alert that starts without ending. Turning it on or off raises <c>maintenance_on</c> /
/// <c>maintenance_off</c> (with the number of alerts suppressed meanwhile). Thread-safe.
/// </summary>
public sealed class MaintenanceMode(IDeviceEventSink events, ILogger<MaintenanceMode> logger)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _suppressedOpen = new(StringComparer.Ordinal);
    private bool _active;
    private long _suppressedAlerts;
    private long _suppressedMessages;
    private long _suppressedAtStart;

    /// <summary>Whether maintenance is on now.</summary>
    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>Alerts suppressed since the agent started (counted at their start message).</summary>
    public long SuppressedAlerts
    {
        get
        {
            lock (_gate)
            {
                return _suppressedAlerts;
            }
        }
    }

    /// <summary>Alert messages (start, update, end) suppressed since the agent started.</summary>
    public long SuppressedMessages
    {
        get
        {
            lock (_gate)
            {
                return _suppressedMessages;
            }
        }
    }

    /// <summary>Turns maintenance on or off (no-op when unchanged); <paramref name="reason"/> goes into the event.</summary>
    public void Set(bool active, string reason)
    {
        long during;
        lock (_gate)
        {
            if (_active == active)
            {
                return;
            }

            _active = active;
            during = _suppressedAlerts - _suppressedAtStart;
            if (active)
            {
                _suppressedAtStart = _suppressedAlerts;
            }
        }

        if (active)
        {
            GpioLog.MaintenanceOn(logger, reason);
            events.Raise(DeviceEventKind.MaintenanceOn, null, reason, null);
        }
        else
        {
            GpioLog.MaintenanceOff(logger, reason, during);
            events.Raise(DeviceEventKind.MaintenanceOff, null, reason, during);
        }
    }

    /// <summary>Whether <paramref name="alert"/> must not be sent; counts it when so.</summary>
    public bool ShouldSuppress(AlertMessage alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_gate)
        {
            var suppress = alert.State == AlertState.Start ? _active : _suppressedOpen.Contains(alert.AlertId);
            if (!suppress)
            {
                return false;
            }

            _suppressedMessages++;
            if (alert.State == AlertState.Start)
            {
                _suppressedAlerts++;
                _suppressedOpen.Add(alert.AlertId);
            }
            else if (alert.State == AlertState.End)
            {
                _suppressedOpen.Remove(alert.AlertId);
            }

            return true;
        }
    }
}

/// <summary>Wraps the agent's <see cref="IAlertSink"/> so alerts are suppressed (counted, not sent) during maintenance.</summary>
internal sealed class MaintenanceAlertFilter(IAlertSink inner, MaintenanceMode maintenance) : IAlertSink
{
    public void Enqueue(AlertMessage alert)
    {
        if (!maintenance.ShouldSuppress(alert))
        {
            inner.Enqueue(alert);
        }
    }

    public void Enqueue(IReadOnlyList<AlertMessage> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        List<AlertMessage>? kept = null;
        for (var i = 0; i < alerts.Count; i++)
        {
            if (maintenance.ShouldSuppress(alerts[i]))
            {
                kept ??= [.. alerts.Take(i)];
            }
            else
            {
                kept?.Add(alerts[i]);
            }
        }

        var send = kept ?? alerts;
        if (send.Count > 0)
        {
            inner.Enqueue(send);
        }
    }
}
