using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Wrong way, for one zone with an allowed direction: a track whose smoothed displacement over <c>windowSeconds</c>
/// (least-squares fit of its feet on the ground, so box jitter and one bad frame cannot fake it) goes at least the
/// minimum distance against the allowed direction, within <c>maxAngleDegrees</c> of straight against it, for at least
/// the minimum duration. Calibrated cameras measure on the ground in metres, along the allowed direction as it lies on
/// the ground at the track's position; others in frame units.
/// </summary>
internal sealed class WrongWayRule : Rule
{
    private readonly (double X, double Y) _allowed;
    private readonly long _windowTicks;
    private readonly double _windowSeconds;
    private readonly double _minDistance;
    private readonly double _cosMaxAngle;
    private readonly Dictionary<int, State> _states = [];

    public WrongWayRule(RuleSettings settings, (double X, double Y) allowedDirection)
        : base(settings)
    {
        _allowed = allowedDirection;
        _windowSeconds = settings["windowSeconds"];
        _windowTicks = TimeSpan.FromSeconds(_windowSeconds).Ticks;
        _minDistance = settings.Ground.IsCalibrated ? settings["minDistanceMetres"] : settings["minDistanceFrame"];
        _cosMaxAngle = Math.Cos(settings["maxAngleDegrees"] * Math.PI / 180);
    }

    public override void Evaluate(RuleFrame frame, List<AlertMessage> output)
    {
        var now = frame.Now;
        var tracks = frame.Tracks;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (!Applies(track))
            {
                continue;
            }

            var inZone = InZone(track.Box);
            ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(_states, track.Id);
            if (Unsafe.IsNullRef(ref state))
            {
                if (!inZone)
                {
                    continue;
                }

                state = ref CollectionsMarshal.GetValueRefOrAddDefault(_states, track.Id, out _);
            }

            (state.LastSeen, state.Box, state.Score, state.ClassId) = (now, track.Box, track.Score, track.ClassId);
            if (inZone && Against(frame, track.Id, track.Box, out var speed))
            {
                if (!state.Active)
                {
                    (state.Active, state.Since) = (true, now);
                }

                (state.LastWrong, state.Speed) = (now, speed);
            }
        }

        foreach (var (trackId, snapshot) in _states)
        {
            ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(_states, trackId);
            if (snapshot.Active && snapshot.LastWrong == now)
            {
                state.ClearSince = null;
                if (now - snapshot.Since >= Settings.MinDuration && MayStart(trackId, now))
                {
                    output.Add(Lifecycle.Start(trackId, snapshot.Since, now, snapshot.Score, Speed(snapshot.Speed), Objects(trackId, snapshot.ClassId, snapshot.Score, snapshot.Box)));
                }

                continue;
            }

            state.ClearSince ??= now;
            if (now - state.ClearSince.Value < Settings.ExitGrace)
            {
                continue;
            }

            if (Lifecycle.IsOpen(trackId))
            {
                output.Add(Lifecycle.End(trackId, state.ClearSince.Value, now, state.Score, Speed(state.Speed), Objects(trackId, state.ClassId, state.Score, state.Box)));
            }

            if (state.LastSeen == now)
            {
                (state.Active, state.ClearSince) = (false, null);
            }
            else
            {
                _states.Remove(trackId);
            }
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        foreach (var (trackId, state) in _states)
        {
            if (Lifecycle.IsOpen(trackId))
            {
                output.Add(Lifecycle.End(trackId, now, now, state.Score, Speed(state.Speed), Objects(trackId, state.ClassId, state.Score, state.Box)));
            }
        }

        _states.Clear();
    }

    /// <summary>Whether the track's smoothed displacement goes against the allowed direction; <paramref name="speed"/> is its component against it.</summary>
    private bool Against(RuleFrame frame, int trackId, in NormBox box, out double speed)
    {
        speed = 0;
        var history = frame.History.Get(trackId);
        var nowTicks = frame.Now.UtcTicks;
        if (history is null || !history.TryVelocity(nowTicks - _windowTicks, nowTicks, out var vx, out var vy))
        {
            return false;
        }

        // The forbidden direction where the track stands: on the ground, perspective bends the image vector.
        var (fx, fy) = (-_allowed.X, -_allowed.Y);
        if (Settings.Ground.IsCalibrated)
        {
            var (x, y) = box.BottomCentre;
            var p = Settings.Ground.ToGround(x, y);
            var q = Settings.Ground.ToGround(x + (0.01 * fx), y + (0.01 * fy));
            var length = Math.Sqrt(((q.X - p.X) * (q.X - p.X)) + ((q.Y - p.Y) * (q.Y - p.Y)));
            if (!double.IsFinite(length) || length == 0)
            {
                return false;
            }

            (fx, fy) = ((q.X - p.X) / length, (q.Y - p.Y) / length);
        }

        var (dx, dy) = (vx * _windowSeconds, vy * _windowSeconds);
        var against = (dx * fx) + (dy * fy);
        var distance = Math.Sqrt((dx * dx) + (dy * dy));
        speed = against / _windowSeconds;
        return against >= _minDistance && against >= _cosMaxAngle * distance;
    }

    private Measurement Speed(double speed) => new("speed", Math.Round(speed, 3), Settings.Ground.SpeedUnit);

    private struct State
    {
        public bool Active;
        public DateTimeOffset Since;
        public DateTimeOffset LastWrong;
        public DateTimeOffset? ClearSince;
        public DateTimeOffset LastSeen;
        public double Speed;
        public NormBox Box;
        public float Score;
        public int ClassId;
    }
}
