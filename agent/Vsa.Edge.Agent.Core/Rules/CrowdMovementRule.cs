using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Crowd movement, for one zone (or the frame): at least <c>minTracks</c> persons present, and at least
/// <c>minFraction</c> of them started moving suddenly within the same <c>windowSeconds</c>. A person moves suddenly when
/// their smoothed speed over the window reaches <c>minSpeed</c> and <c>speedRatio</c> times their own speed over the
/// <c>baselineSeconds</c> before it (a surge), or when, relative to the group's common motion, they move at
/// <c>minSpeed</c> away from the group's centre (a dispersal). One runner is one person; a crowd that was already
/// moving fast in one direction has neither a surge nor a dispersal.
/// </summary>
internal sealed class CrowdMovementRule : Rule
{
    private static readonly double Cos45 = Math.Sqrt(0.5);

    private readonly int _minTracks;
    private readonly double _minFraction;
    private readonly long _windowTicks;
    private readonly long _baselineTicks;
    private readonly double _ratio;
    private readonly double _minSpeed;
    private readonly List<Member> _members = [];
    private readonly Dictionary<int, long> _movedAt = [];
    private HeldCondition _condition;
    private double _fraction;

    public CrowdMovementRule(RuleSettings settings)
        : base(settings)
    {
        _minTracks = (int)settings["minTracks"];
        _minFraction = settings["minFraction"];
        _windowTicks = TimeSpan.FromSeconds(settings["windowSeconds"]).Ticks;
        _baselineTicks = TimeSpan.FromSeconds(settings["baselineSeconds"]).Ticks;
        _ratio = settings["speedRatio"];
        _minSpeed = settings.Ground.IsCalibrated ? settings["minSpeedMetres"] : settings["minSpeedFrame"];
    }

    public override void Evaluate(RuleFrame frame, List<AlertMessage> output)
    {
        var now = frame.Now;
        var nowTicks = now.UtcTicks;
        CollectMembers(frame, nowTicks);
        MarkDispersal();

        var moving = 0;
        var scoreSum = 0.0;
        foreach (var m in _members)
        {
            scoreSum += m.Score;
            if (m.Sudden)
            {
                _movedAt[m.TrackId] = nowTicks;
            }

            if (_movedAt.TryGetValue(m.TrackId, out var at) && nowTicks - at <= _windowTicks)
            {
                moving++;
            }
        }

        foreach (var (id, at) in _movedAt)
        {
            if (nowTicks - at > _windowTicks + _baselineTicks)
            {
                _movedAt.Remove(id);
            }
        }

        var n = _members.Count;
        var fraction = n == 0 ? 0 : moving / (double)n;
        var state = _condition.Step(n >= _minTracks && fraction >= _minFraction, now, Settings.ExitGrace);
        var confidence = n == 0 ? 0 : scoreSum / n;
        if (state == HeldState.Holding)
        {
            _fraction = Math.Max(_fraction, fraction);
            if (now - _condition.Since >= Settings.MinDuration && MayStart(0, now))
            {
                output.Add(Lifecycle.Start(0, _condition.Since, now, confidence, Measure(fraction), People(frame)));
            }
        }
        else if (state == HeldState.Cleared)
        {
            if (Lifecycle.IsOpen(0))
            {
                output.Add(Lifecycle.End(0, _condition.ClearedAt, now, confidence, Measure(_fraction), People(frame)));
            }

            _fraction = 0;
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        if (Lifecycle.IsOpen(0))
        {
            output.Add(Lifecycle.End(0, now, now, 0, Measure(_fraction), []));
        }

        _condition.Reset();
        _movedAt.Clear();
        _fraction = 0;
    }

    private void CollectMembers(RuleFrame frame, long nowTicks)
    {
        _members.Clear();
        var tracks = frame.Tracks;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            var history = Applies(track) && InZone(track.Box) ? frame.History.Get(track.Id) : null;
            if (history is null || !double.IsFinite(history.Latest.GroundX))
            {
                continue;
            }

            var member = new Member { TrackId = track.Id, Score = track.Score, X = history.Latest.GroundX, Y = history.Latest.GroundY };
            if (history.TryVelocity(nowTicks - _windowTicks, nowTicks, out member.Vx, out member.Vy))
            {
                member.HasVelocity = true;
                var speed = Math.Sqrt((member.Vx * member.Vx) + (member.Vy * member.Vy));
                var from = nowTicks - _windowTicks - _baselineTicks;
                if (history.TryVelocity(from, nowTicks - _windowTicks, out var bx, out var by))
                {
                    var baseline = Math.Sqrt((bx * bx) + (by * by));
                    member.Sudden = speed >= _minSpeed && speed >= _ratio * baseline;
                }
            }

            _members.Add(member);
        }
    }

    /// <summary>Marks members moving away from the group's centre once the group's common drift is removed.</summary>
    private void MarkDispersal()
    {
        double cx = 0, cy = 0, mvx = 0, mvy = 0;
        var withVelocity = 0;
        foreach (var m in _members)
        {
            (cx, cy) = (cx + m.X, cy + m.Y);
            if (m.HasVelocity)
            {
                (mvx, mvy, withVelocity) = (mvx + m.Vx, mvy + m.Vy, withVelocity + 1);
            }
        }

        if (withVelocity < 3)
        {
            return;
        }

        (cx, cy, mvx, mvy) = (cx / _members.Count, cy / _members.Count, mvx / withVelocity, mvy / withVelocity);
        for (var i = 0; i < _members.Count; i++)
        {
            var m = _members[i];
            if (!m.HasVelocity || m.Sudden)
            {
                continue;
            }

            var (rvx, rvy, rx, ry) = (m.Vx - mvx, m.Vy - mvy, m.X - cx, m.Y - cy);
            var relative = Math.Sqrt((rvx * rvx) + (rvy * rvy));
            var radius = Math.Sqrt((rx * rx) + (ry * ry));
            if (relative >= _minSpeed && radius > 0 && (rvx * rx) + (rvy * ry) >= Cos45 * relative * radius)
            {
                m.Sudden = true;
                _members[i] = m;
            }
        }
    }

    private static Measurement Measure(double fraction) => new("moving_fraction", Math.Round(fraction, 3), "ratio");

    private struct Member
    {
        public int TrackId;
        public float Score;
        public double X;
        public double Y;
        public double Vx;
        public double Vy;
        public bool HasVelocity;
        public bool Sudden;
    }
}
