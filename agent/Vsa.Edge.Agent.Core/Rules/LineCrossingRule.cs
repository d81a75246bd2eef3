using System.Runtime.InteropServices;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Intrusion as a tripwire crossing, for one line: the feet of a track (bottom-centre of its box) move from one side
/// to the other in a forbidden direction. Hysteresis stops a box jittering on the line from counting more than once:
/// the feet must get <c>lineMargin</c> past the line and stay there for <c>lineHoldSeconds</c>. Lines near the frame
/// edge work: the margin shrinks to what the frame leaves on that side, a box clipped by the left or right border is
/// anchored on that border (its hidden part lies beyond it), and a track that vanishes at the border while past the
/// line counts at once. The alert ends when the track crosses back the allowed way or has been gone for the exit grace.
/// </summary>
internal sealed class LineCrossingRule : Rule
{
    private const float BorderEpsilon = 0.005f;

    private readonly double _ax;
    private readonly double _ay;
    private readonly double _ux;
    private readonly double _uy;
    private readonly double _length;
    private readonly double _extension;
    private readonly double _marginLeft;
    private readonly double _marginRight;
    private readonly TimeSpan _hold;
    private readonly ForbiddenCrossing _forbidden;
    private readonly Dictionary<int, State> _states = [];

    public LineCrossingRule(RuleSettings settings, ResolvedLine line)
        : base(settings)
    {
        (_ax, _ay) = (line.A.X, line.A.Y);
        var (dx, dy) = ((double)line.B.X - line.A.X, (double)line.B.Y - line.A.Y);
        _length = Math.Sqrt((dx * dx) + (dy * dy));
        (_ux, _uy) = (dx / _length, dy / _length);
        _forbidden = line.Forbidden;
        _hold = TimeSpan.FromSeconds(settings["lineHoldSeconds"]);
        var margin = settings["lineMargin"];
        _extension = margin / _length;

        // What the frame leaves on each side: a line at x = 0.01 has only 0.01 of frame to its left.
        double reachLeft = 0, reachRight = 0;
        foreach (var (cx, cy) in (ReadOnlySpan<(double, double)>)[(0, 0), (1, 0), (0, 1), (1, 1)])
        {
            var d = Signed(cx, cy);
            (reachLeft, reachRight) = (Math.Max(reachLeft, -d), Math.Max(reachRight, d));
        }

        _marginLeft = Math.Min(margin, reachLeft / 2);
        _marginRight = Math.Min(margin, reachRight / 2);
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

            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_states, track.Id, out _);
            (state.LastSeen, state.Box, state.Score, state.ClassId) = (now, track.Box, track.Score, track.ClassId);
            var box = track.Box;
            state.AtBorder = box.X <= BorderEpsilon || box.Right >= 1 - BorderEpsilon;
            var (x, y) = box.BottomCentre;
            if (box.X <= BorderEpsilon && box.Right < 1 - BorderEpsilon)
            {
                x = box.X;
            }
            else if (box.Right >= 1 - BorderEpsilon && box.X > BorderEpsilon)
            {
                x = box.Right;
            }

            var d = Signed(x, y);
            var along = ((((double)x - _ax) * _ux) + (((double)y - _ay) * _uy)) / _length;
            var side = d < -_marginLeft ? -1 : d > _marginRight ? 1 : 0;
            if (along < -_extension || along > 1 + _extension)
            {
                // Beside the line's ends: going round it is not crossing it, so follow the side silently.
                if (side != 0)
                {
                    (state.Side, state.Pending) = (side, 0);
                }

                continue;
            }

            if (side == 0 || side == state.Side)
            {
                state.Pending = 0;
                continue;
            }

            if (state.Side == 0)
            {
                state.Side = side;
                continue;
            }

            if (state.Pending != side)
            {
                (state.Pending, state.PendingSince) = (side, now);
            }

            if (now - state.PendingSince >= _hold)
            {
                Cross(track.Id, ref state, now, output);
            }
        }

        foreach (var (trackId, snapshot) in _states)
        {
            if (snapshot.LastSeen == now)
            {
                continue;
            }

            ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(_states, trackId);
            if (state.Pending != 0 && state.AtBorder)
            {
                // It left the frame past the line before the hold time was up: that is a crossing.
                Cross(trackId, ref state, now, output);
            }

            if (now - state.LastSeen >= Settings.ExitGrace)
            {
                if (Lifecycle.IsOpen(trackId))
                {
                    output.Add(Lifecycle.End(trackId, state.LastSeen, now, state.Score, Seconds(state.LastSeen - state.CrossedAt), Objects(trackId, state.ClassId, state.Score, state.Box)));
                }

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
                output.Add(Lifecycle.End(trackId, now, now, state.Score, Seconds(now - state.CrossedAt), Objects(trackId, state.ClassId, state.Score, state.Box)));
            }
        }

        _states.Clear();
    }

    /// <summary>Signed distance from the line (frame units): negative on the left looking from A to B on the image (y down).</summary>
    private double Signed(double x, double y) => (_ux * (y - _ay)) - (_uy * (x - _ax));

    private void Cross(int trackId, ref State state, DateTimeOffset now, List<AlertMessage> output)
    {
        var leftToRight = state.Side < 0;
        var crossedAt = state.PendingSince;
        (state.Side, state.Pending) = (state.Pending, 0);
        var forbidden = _forbidden == ForbiddenCrossing.Both || (_forbidden == ForbiddenCrossing.LeftToRight) == leftToRight;
        if (forbidden)
        {
            if (MayStart(trackId, now))
            {
                state.CrossedAt = crossedAt;
                output.Add(Lifecycle.Start(trackId, crossedAt, now, state.Score, Seconds(now - crossedAt), Objects(trackId, state.ClassId, state.Score, state.Box)));
            }
        }
        else if (Lifecycle.IsOpen(trackId))
        {
            // Crossed back the allowed way: the intrusion is over.
            output.Add(Lifecycle.End(trackId, crossedAt, now, state.Score, Seconds(crossedAt - state.CrossedAt), Objects(trackId, state.ClassId, state.Score, state.Box)));
        }
    }

    private struct State
    {
        public int Side;
        public int Pending;
        public DateTimeOffset PendingSince;
        public DateTimeOffset CrossedAt;
        public DateTimeOffset LastSeen;
        public bool AtBorder;
        public NormBox Box;
        public float Score;
        public int ClassId;
    }
}
