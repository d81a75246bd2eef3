using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Authorisation;

/// <summary>
/// Which events may run on which camera at a given instant, from the prefectoral authorisation windows (D art. 13):
/// an event runs on a camera only inside a window that names both, from its start (inclusive) to its end (exclusive).
/// Pure and immutable; the instants are civil time (the device's wall clock), never frame timestamps.
/// </summary>
public sealed class AuthorisationGate
{
    private readonly Window[] _windows;
    private readonly DateTimeOffset[] _boundaries;

    /// <summary>A gate over <paramref name="windows"/> (validate them first with <see cref="Validate"/>; unknown event names are ignored).</summary>
    public AuthorisationGate(IReadOnlyList<AuthorisationWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        Windows = windows;
        _windows = [.. windows.Select(w => new Window(w, MaskOf(w.Events)))];
        _boundaries = [.. windows.SelectMany(w => new[] { w.StartsAt, w.EndsAt }).Distinct().Order()];
        IsRestricted = true;
    }

    private AuthorisationGate()
    {
        Windows = [];
        _windows = [];
        _boundaries = [];
    }

    /// <summary>
    /// No restriction: every event on every camera, always. Only for a device run from its local camera files without
    /// authorisation windows (development); a fleet configuration always restricts.
    /// </summary>
    public static AuthorisationGate Unrestricted { get; } = new();

    /// <summary>Whether windows restrict the analysis (false only for <see cref="Unrestricted"/>).</summary>
    public bool IsRestricted { get; }

    /// <summary>The windows enforced.</summary>
    public IReadOnlyList<AuthorisationWindow> Windows { get; }

    /// <summary>Whether <paramref name="type"/> may run on <paramref name="cameraId"/> at <paramref name="at"/>.</summary>
    public bool IsAuthorised(string cameraId, EventType type, DateTimeOffset at) => AuthorisedAt(cameraId, at).Contains(type);

    /// <summary>The events that may run on <paramref name="cameraId"/> at <paramref name="at"/>. Allocates nothing.</summary>
    public EventMask AuthorisedAt(string cameraId, DateTimeOffset at)
    {
        if (!IsRestricted)
        {
            return EventMask.All;
        }

        var bits = 0u;
        foreach (var w in _windows)
        {
            if (w.Applies(cameraId, at))
            {
                bits |= w.Events.Bits;
            }
        }

        return new EventMask(bits);
    }

    /// <summary>
    /// The first instant after <paramref name="at"/> at which the events authorised on <paramref name="cameraId"/>
    /// change; null when they never change again. Allocates nothing.
    /// </summary>
    public DateTimeOffset? NextChange(string cameraId, DateTimeOffset at)
    {
        var now = AuthorisedAt(cameraId, at);
        foreach (var boundary in _boundaries)
        {
            if (boundary > at && AuthorisedAt(cameraId, boundary) != now)
            {
                return boundary;
            }
        }

        return null;
    }

    /// <summary>The first window boundary after <paramref name="at"/> on any camera; null when none is left.</summary>
    public DateTimeOffset? NextBoundary(DateTimeOffset at)
    {
        foreach (var boundary in _boundaries)
        {
            if (boundary > at)
            {
                return boundary;
            }
        }

        return null;
    }

    /// <summary>
    /// Until when <paramref name="type"/> stays authorised on <paramref name="cameraId"/> from <paramref name="at"/>
    /// (following windows that overlap or follow each other without a gap); null when it is not authorised at
    /// <paramref name="at"/> or never stops.
    /// </summary>
    public DateTimeOffset? AuthorisedUntil(string cameraId, EventType type, DateTimeOffset at)
    {
        if (!IsAuthorised(cameraId, type, at))
        {
            return null;
        }

        foreach (var boundary in _boundaries)
        {
            if (boundary > at && !IsAuthorised(cameraId, type, boundary))
            {
                return boundary;
            }
        }

        return null;
    }

    /// <summary>The first window that authorises <paramref name="type"/> on <paramref name="cameraId"/> at <paramref name="at"/>, or null.</summary>
    public AuthorisationWindow? Covering(string cameraId, EventType type, DateTimeOffset at) =>
        _windows.FirstOrDefault(w => w.Events.Contains(type) && w.Applies(cameraId, at)).Source;

    /// <summary>
    /// Every problem of a list of windows, each prefixed with its field path (<c>authorisations[0].endsAt: …</c>):
    /// a window needs a reference, a service, at least one of the eight events, at least one camera, and an end after its start.
    /// </summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<AuthorisationWindow>? windows, string path = "authorisations")
    {
        var errors = new List<string>();
        for (var i = 0; i < (windows?.Count ?? 0); i++)
        {
            var w = windows![i];
            var at = $"{path}[{i}]";
            if (w is null)
            {
                errors.Add($"{at}: null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(w.Reference))
            {
                errors.Add($"{at}.reference: missing (the arrêté's reference)");
            }

            if (string.IsNullOrWhiteSpace(w.Service))
            {
                errors.Add($"{at}.service: missing (the service the arrêté authorises)");
            }

            if (w.Events is not { Count: > 0 })
            {
                errors.Add($"{at}.events: empty (name at least one of {EventTypes.AllNames})");
            }

            for (var e = 0; e < (w.Events?.Count ?? 0); e++)
            {
                if (!EventTypes.TryParse(w.Events![e], out _))
                {
                    errors.Add($"{at}.events[{e}]: '{w.Events[e]}' is not one of the eight events ({EventTypes.AllNames})");
                }
            }

            if (w.Cameras is not { Count: > 0 } || w.Cameras.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{at}.cameras: must name at least one camera id, none blank");
            }

            if (w.EndsAt <= w.StartsAt)
            {
                errors.Add($"{at}.endsAt: {w.EndsAt:O} is not after startsAt {w.StartsAt:O}");
            }
        }

        return errors;
    }

    private static bool Names(IReadOnlyList<string> cameras, string cameraId)
    {
        for (var i = 0; i < cameras.Count; i++)
        {
            if (string.Equals(cameras[i], cameraId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static EventMask MaskOf(IReadOnlyList<string>? events)
    {
        var mask = EventMask.None;
        foreach (var name in events ?? [])
        {
            if (EventTypes.TryParse(name, out var type))
            {
                mask = mask.With(type);
            }
        }

        return mask;
    }

    private readonly record struct Window(AuthorisationWindow Source, EventMask Events)
    {
        // Open at `at` (start inclusive, end exclusive) and naming the camera.
        public bool Applies(string cameraId, DateTimeOffset at) => at >= Source.StartsAt && at < Source.EndsAt && Names(Source.Cameras, cameraId);
    }
}
