using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Suspension;

/// <summary>Whether a camera may be analysed now: what a camera pipeline asks before every model run.</summary>
public interface ICameraSuspension
{
    /// <summary>Whether <paramref name="cameraId"/> is suspended (no inference, no rules) now.</summary>
    bool IsSuspended(string cameraId);
}

/// <summary>
/// The device's kill-switch state: the fleet's newest verified suspension state (<see cref="SuspensionStateMessage"/>) and
/// the local, physical kill input. Either one suspends; the pipelines read it on every frame (a volatile snapshot, no lock),
/// so a change takes effect at the next frame of every camera. Thread-safe.
/// </summary>
public sealed class AgentSuspension : ICameraSuspension
{
    private State _state = new(null, false, false);

    /// <summary>Raised after every change (on the thread that made it).</summary>
    public event Action? Changed;

    /// <summary>The fleet's state applied now, or null when none was ever received.</summary>
    public SuspensionStateMessage? Fleet => Volatile.Read(ref _state).Fleet;

    /// <summary>The version of the fleet's state applied now (0 when none).</summary>
    public long Version => Fleet?.Version ?? 0;

    /// <summary>Whether the local kill input is active.</summary>
    public bool LocalKill => Volatile.Read(ref _state).LocalKill;

    /// <summary>
    /// Whether a kept suspension state was found at start that could not be read or verified: the device then stays
    /// suspended (fail closed: a legally ordered stop must not be undone by a damaged or forged file) until the fleet's
    /// verified state arrives.
    /// </summary>
    public bool KeptUnverified => Volatile.Read(ref _state).KeptUnverified;

    /// <summary>Whether the whole device is suspended (fleet device, site or global suspension, the local kill input, or an unverifiable kept state).</summary>
    public bool DeviceSuspended => Volatile.Read(ref _state) is var s && (s.LocalKill || s.KeptUnverified || s.Fleet?.Device is not null);

    /// <inheritdoc />
    public bool IsSuspended(string cameraId)
    {
        var s = Volatile.Read(ref _state);
        return s.LocalKill || s.KeptUnverified || (s.Fleet?.Suspends(cameraId) ?? false);
    }

    /// <summary>Applies the fleet's state <paramref name="message"/> (already verified, newer than <see cref="Version"/>).</summary>
    public void Apply(SuspensionStateMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Update(s => s with { Fleet = message, KeptUnverified = false });
    }

    /// <summary>A kept state was found at start but could not be read or verified: suspend everything until the fleet's verified state is applied.</summary>
    public void SuspendUntilVerified() => Update(s => s with { KeptUnverified = true });

    /// <summary>The local kill input turned on or off.</summary>
    public void SetLocalKill(bool active) => Update(s => s with { LocalKill = active });

    /// <summary>What the heartbeat reports; null when nothing is suspended and no fleet state was ever received.</summary>
    public SuspensionReport? Report(IEnumerable<string> cameraIds)
    {
        ArgumentNullException.ThrowIfNull(cameraIds);
        var s = Volatile.Read(ref _state);
        if (s.Fleet is null && !s.LocalKill && !s.KeptUnverified)
        {
            return null;
        }

        var device = s.LocalKill || s.KeptUnverified || s.Fleet?.Device is not null;
        var cameras = cameraIds.Where(IsSuspended)
            .Concat(s.Fleet?.Cameras.Select(c => c.CameraId) ?? [])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new SuspensionReport(s.Fleet?.Version, device, s.LocalKill, cameras);
    }

    private void Update(Func<State, State> change)
    {
        while (true)
        {
            var before = Volatile.Read(ref _state);
            var after = change(before);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _state, after, before), before))
            {
                if (after != before)
                {
                    Changed?.Invoke();
                }

                return;
            }
        }
    }

    private sealed record State(SuspensionStateMessage? Fleet, bool LocalKill, bool KeptUnverified);
}
