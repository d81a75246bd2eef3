using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.DesiredConfig;

/// <summary>
/// Enforces the authorisation windows on the device's own clock: one <see cref="CameraAuthorisation"/> per camera,
/// shared by that camera's rule engines, refreshed by a <see cref="TimeProvider"/> timer at each window boundary — so an
/// analysis stops at the end date, and one starts at its start date, without any message from the fleet and without
/// a frame. The pipelines also refresh on every frame, which keeps the gate right if the timer fires late.
/// </summary>
public sealed class AuthorisationScheduler : IDisposable
{
    // Timers count elapsed time, not civil time: a wall clock set after the timer was armed (NTP at boot on a board
    // without a battery) would shift a far boundary. Waking at least hourly bounds that drift; frames refresh anyway.
    private static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CameraAuthorisation> _cameras = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private AuthorisationGate _gate = AuthorisationGate.Unrestricted;
    private bool _disposed;

    /// <summary>Starts unrestricted; <see cref="Enforce"/> sets the windows.</summary>
    public AuthorisationScheduler(TimeProvider time, ILogger<AuthorisationScheduler> logger)
    {
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The gate in force.</summary>
    public AuthorisationGate Gate => Volatile.Read(ref _gate);

    /// <summary>The shared authorisation of a camera (created on first use, with the gate in force), logging what it may run.</summary>
    public CameraAuthorisation For(string cameraId)
    {
        if (_cameras.TryGetValue(cameraId, out var existing))
        {
            return existing;
        }

        // Under the lock that Enforce takes: a camera gets either the old gate and then the new one, or the new one.
        lock (_lock)
        {
            if (_cameras.TryGetValue(cameraId, out existing))
            {
                return existing;
            }

            var camera = new CameraAuthorisation(cameraId, Gate, _time.GetUtcNow());
            camera.Changed += (_, change) => LogChange(change);
            _cameras[cameraId] = camera;
            LogState(camera);
            return camera;
        }
    }

    /// <summary>Enforces <paramref name="gate"/> from now on every camera (a new configuration) and arms the timer for its next boundary.</summary>
    public void Enforce(AuthorisationGate gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        lock (_lock)
        {
            Volatile.Write(ref _gate, gate);
            var now = _time.GetUtcNow();
            foreach (var camera in _cameras.Values)
            {
                camera.Replace(gate, now);
            }

            Arm(now);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetUtcNow();
            foreach (var camera in _cameras.Values)
            {
                camera.Refresh(now);
            }

            Arm(now);
        }
    }

    private void Arm(DateTimeOffset now)
    {
        if (_disposed)
        {
            return;
        }

        var next = Gate.NextBoundary(now);
        var due = next is { } at ? TimeSpan.FromTicks(Math.Min((at - now).Ticks, MaxWait.Ticks)) : Timeout.InfiniteTimeSpan;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void LogState(CameraAuthorisation camera)
    {
        if (!camera.Gate.IsRestricted)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var events = camera.Events.ToList();
        foreach (var type in events)
        {
            LogAuthorised(camera.Gate, camera.CameraId, type, now);
        }

        if (events.Count == 0)
        {
            var next = camera.Until is { } at ? $"; next change at {Format(at)}" : "; no window covers it";
            ConfigLog.NothingAuthorised(_logger, camera.CameraId, next);
        }
    }

    private void LogChange(AuthorisationChange change)
    {
        foreach (var type in Enum.GetValues<EventType>())
        {
            var before = change.Before.Contains(type);
            var after = change.After.Contains(type);
            if (after && !before)
            {
                LogAuthorised(change.Gate, change.CameraId, type, change.At);
            }
            else if (before && !after)
            {
                var name = EventTypes.ToWireName(type);
                var reason = StopReason(change, type);
                ConfigLog.Stopped(_logger, name, change.CameraId, reason);
            }
        }
    }

    private void LogAuthorised(AuthorisationGate gate, string cameraId, EventType type, DateTimeOffset at)
    {
        var until = gate.AuthorisedUntil(cameraId, type, at) is { } end ? Format(end) : "further notice";
        var reference = gate.Covering(cameraId, type, at)?.Reference ?? "no window: development mode";
        var name = EventTypes.ToWireName(type);
        ConfigLog.Authorised(_logger, name, cameraId, until, reference);
    }

    private static string StopReason(AuthorisationChange change, EventType type)
    {
        var ended = change.Gate.Covering(change.CameraId, type, change.At - TimeSpan.FromTicks(1));
        return ended is not null && ended.EndsAt <= change.At
            ? $"authorisation {ended.Reference} ended at {Format(ended.EndsAt)}"
            : "no authorisation of the configuration in force covers it";
    }

    private static string Format(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);
}
