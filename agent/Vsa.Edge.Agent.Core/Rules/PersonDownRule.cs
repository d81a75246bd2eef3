using System.Runtime.InteropServices;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Person on the ground after a fall, for one zone (or the frame). Two steps, both needed:
/// a trigger — the box top drops fast (by <c>dropFraction</c> of the upright height within <c>dropWindowSeconds</c>,
/// the box getting shorter) from an upright box, or the pose turning from upright to lying within
/// <c>triggerWindowSeconds</c>; then lying evidence, seen within <c>triggerWindowSeconds</c> of the trigger and held
/// (gaps under the exit grace tolerated) for the minimum duration — a wide box (width over height ≥ <c>minAspect</c>,
/// on the ground in metres when calibrated, in pixels otherwise) or a pose lying score ≥ <c>lyingScore</c>.
/// Sitting down or bending over drops the top but leaves the box narrow and the pose upright: no alert. A person
/// already lying when first seen had no fall in view: no alert either (sleepers, sunbathers).
/// </summary>
internal sealed class PersonDownRule : Rule
{
    private const float MinPoseConfidence = 0.3f;
    private const float UprightPose = 0.3f;

    private readonly double _dropFraction;
    private readonly long _dropWindowTicks;
    private readonly TimeSpan _triggerWindow;
    private readonly double _minAspect;
    private readonly double _lyingScore;
    private readonly Dictionary<int, State> _states = [];

    public PersonDownRule(RuleSettings settings)
        : base(settings)
    {
        _dropFraction = settings["dropFraction"];
        _dropWindowTicks = TimeSpan.FromSeconds(settings["dropWindowSeconds"]).Ticks;
        _triggerWindow = TimeSpan.FromSeconds(settings["triggerWindowSeconds"]);
        _minAspect = settings["minAspect"];
        _lyingScore = settings["lyingScore"];
    }

    public override void Evaluate(RuleFrame frame, List<AlertMessage> output)
    {
        var now = frame.Now;
        var tracks = frame.Tracks;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (!Applies(track) || !InZone(track.Box))
            {
                continue;
            }

            ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(_states, track.Id, out _);
            (s.LastSeen, s.Box, s.Score, s.ClassId) = (now, track.Box, track.Score, track.ClassId);
            var lyingPose = false;
            if (frame.TryGetPose(track.Id, out var pose) && pose.Confidence >= MinPoseConfidence)
            {
                lyingPose = pose.LyingScore >= _lyingScore;
                if (pose.LyingScore <= UprightPose)
                {
                    s.UprightPoseAt = now;
                }
            }

            var lying = lyingPose || Aspect(track.Box, frame.FrameAspect) >= _minAspect;
            var poseTurned = lyingPose && s.UprightPoseAt is { } upright && now - upright <= _triggerWindow;
            if (s.DownSince is null && (poseTurned || Dropped(frame, track.Id, track.Box)))
            {
                s.TriggerAt ??= now;
            }

            if (s.DownSince is null && s.TriggerAt is { } trigger)
            {
                if (lying)
                {
                    s.DownSince = now;
                }
                else if (now - trigger > _triggerWindow)
                {
                    // Sat down, bent over, crouched: the top dropped but the person never lay down.
                    s.TriggerAt = null;
                }
            }

            if (s.DownSince is { } down)
            {
                if (lying)
                {
                    s.LastLying = now;
                    if (now - down >= Settings.MinDuration && MayStart(track.Id, now))
                    {
                        output.Add(Lifecycle.Start(track.Id, s.TriggerAt!.Value, now, track.Score, Seconds(now - down), Objects(track.Id, track.ClassId, track.Score, track.Box)));
                    }
                }
                else if (now - s.LastLying >= Settings.ExitGrace)
                {
                    // Got up.
                    EndAndReset(track.Id, ref s, s.LastLying, now, output);
                }
            }
        }

        foreach (var (trackId, snapshot) in _states)
        {
            if (snapshot.LastSeen != now && now - snapshot.LastSeen >= Settings.ExitGrace)
            {
                var s = snapshot;
                EndAndReset(trackId, ref s, snapshot.LastSeen, now, output);
                _states.Remove(trackId);
            }
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        foreach (var (trackId, snapshot) in _states)
        {
            var s = snapshot;
            EndAndReset(trackId, ref s, now, now, output);
        }

        _states.Clear();
    }

    private void EndAndReset(int trackId, ref State s, DateTimeOffset endedAt, DateTimeOffset now, List<AlertMessage> output)
    {
        if (Lifecycle.IsOpen(trackId))
        {
            output.Add(Lifecycle.End(trackId, endedAt, now, s.Score, Seconds(endedAt - (s.DownSince ?? endedAt)), Objects(trackId, s.ClassId, s.Score, s.Box)));
        }

        (s.TriggerAt, s.DownSince) = (null, null);
    }

    /// <summary>Whether the box top fell fast from an upright box: compared with the box about a drop window ago.</summary>
    private bool Dropped(RuleFrame frame, int trackId, in NormBox box)
    {
        var history = frame.History.Get(trackId);
        var nowTicks = frame.Now.UtcTicks;
        var index = history?.IndexAtOrBefore(nowTicks - _dropWindowTicks) ?? -1;
        if (index < 0 || history![index].Ticks < nowTicks - (2 * _dropWindowTicks))
        {
            return false;
        }

        var before = history[index].Box;
        var fall = _dropFraction * before.Height;
        return before.Height - box.Height >= fall && box.Y - before.Y >= fall / 2 && Aspect(before, frame.FrameAspect) < _minAspect;
    }

    /// <summary>
    /// Width over height of the box as a footprint: on the ground in metres when calibrated (the top edge mapped to
    /// the ground; an upright person's top maps far behind, or beyond the horizon, so it reads narrow), in pixels otherwise.
    /// </summary>
    private double Aspect(in NormBox box, double frameAspect)
    {
        if (!Settings.Ground.IsCalibrated)
        {
            return box.Height <= 0 ? 0 : box.Width / box.Height * frameAspect;
        }

        var ground = Settings.Ground;
        var (cx, bottom) = box.BottomCentre;
        var left = ground.ToGround(box.X, bottom);
        var right = ground.ToGround(box.Right, bottom);
        var foot = ground.ToGround(cx, bottom);
        var top = ground.ToGround(cx, box.Y);
        var depth = Configuration.Geometry.GroundPlane.Distance(foot, top);
        var width = Configuration.Geometry.GroundPlane.Distance(left, right);
        return double.IsFinite(depth) && double.IsFinite(width) && depth > 0 ? width / depth : 0;
    }

    private struct State
    {
        public DateTimeOffset LastSeen;
        public DateTimeOffset? UprightPoseAt;
        public DateTimeOffset? TriggerAt;
        public DateTimeOffset? DownSince;
        public DateTimeOffset LastLying;
        public NormBox Box;
        public float Score;
        public int ClassId;
    }
}
