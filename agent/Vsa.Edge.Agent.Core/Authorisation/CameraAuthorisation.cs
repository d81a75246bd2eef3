namespace Vsa.Edge.Agent.Core.Authorisation;

/// <summary>What changed in a camera's authorised events, and when.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Before">Events authorised before.</param>
/// <param name="After">Events authorised from <paramref name="At"/>.</param>
/// <param name="At">The instant the change was seen (wall clock).</param>
/// <param name="Gate">The gate that decided it (to name the windows in logs).</param>
public sealed record AuthorisationChange(string CameraId, EventMask Before, EventMask After, DateTimeOffset At, AuthorisationGate Gate);

/// <summary>
/// The events one camera may run now, shared by its rule engines (a reload builds a new engine on the same instance).
/// The state holds until the gate's next change, so the per-frame <see cref="Refresh"/> is two comparisons; it is
/// recomputed when that instant passes, when the clock goes back before it was computed (a wall clock set at boot),
/// or when the gate is replaced. Thread-safe: frames and timers may refresh it concurrently; one change is raised once.
/// </summary>
public sealed class CameraAuthorisation
{
    private State _state;

    /// <summary>Starts with the events <paramref name="gate"/> authorises on <paramref name="cameraId"/> at <paramref name="now"/>.</summary>
    public CameraAuthorisation(string cameraId, AuthorisationGate gate, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cameraId);
        ArgumentNullException.ThrowIfNull(gate);
        CameraId = cameraId;
        _state = Compute(gate, now);
    }

    /// <summary>Raised after the authorised events changed (on the thread that saw it: a frame or a timer).</summary>
    public event EventHandler<AuthorisationChange>? Changed;

    /// <summary>The camera.</summary>
    public string CameraId { get; }

    /// <summary>The events authorised at the last refresh. Allocates nothing.</summary>
    public EventMask Events => Volatile.Read(ref _state).Events;

    /// <summary>The gate in force.</summary>
    public AuthorisationGate Gate => Volatile.Read(ref _state).Gate;

    /// <summary>When the authorised events change next (null: never, with this gate).</summary>
    public DateTimeOffset? Until => Volatile.Read(ref _state).Until;

    /// <summary>
    /// Brings <see cref="Events"/> up to <paramref name="now"/>; returns whether they changed. Allocates nothing unless
    /// a window boundary was crossed.
    /// </summary>
    public bool Refresh(DateTimeOffset now)
    {
        var current = Volatile.Read(ref _state);
        if (now >= current.From && (current.Until is null || now < current.Until))
        {
            return false;
        }

        return Swap(current, Compute(current.Gate, now));
    }

    /// <summary>Enforces another gate from <paramref name="now"/> (a new configuration); returns whether the events changed.</summary>
    public bool Replace(AuthorisationGate gate, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(gate);
        while (true)
        {
            var current = Volatile.Read(ref _state);
            var next = Compute(gate, now);
            if (Interlocked.CompareExchange(ref _state, next, current) == current)
            {
                return Raise(current, next);
            }
        }
    }

    private bool Swap(State current, State next) =>
        Interlocked.CompareExchange(ref _state, next, current) == current && Raise(current, next);

    private bool Raise(State before, State after)
    {
        if (before.Events == after.Events)
        {
            return false;
        }

        Changed?.Invoke(this, new AuthorisationChange(CameraId, before.Events, after.Events, after.From, after.Gate));
        return true;
    }

    private State Compute(AuthorisationGate gate, DateTimeOffset now) =>
        new(gate, gate.AuthorisedAt(CameraId, now), now, gate.NextChange(CameraId, now));

    private sealed record State(AuthorisationGate Gate, EventMask Events, DateTimeOffset From, DateTimeOffset? Until);
}
