using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Geometry;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Intrusion as zone dwell, for one zone: a confirmed track of an allowed class whose bottom-centre stays in the
/// polygon for at least the minimum duration raises an alert for that (zone, track); it ends once the track has been
/// outside, or absent from the tracker's output, for the exit grace.
/// </summary>
internal sealed class IntrusionRule
{
    private readonly Polygon _polygon;
    private readonly bool[] _classAllowed;
    private readonly IReadOnlyList<string> _labels;
    private readonly TimeSpan _minDuration;
    private readonly TimeSpan _exitGrace;
    private readonly Dictionary<int, Presence> _presence = [];

    public IntrusionRule(string zoneId, Polygon polygon, bool[] classAllowed, IReadOnlyList<string> labels, TimeSpan minDuration, TimeSpan exitGrace, AlertLifecycle lifecycle)
    {
        ZoneId = zoneId;
        _polygon = polygon;
        _classAllowed = classAllowed;
        _labels = labels;
        _minDuration = minDuration;
        _exitGrace = exitGrace;
        Lifecycle = lifecycle;
    }

    public string ZoneId { get; }

    public AlertLifecycle Lifecycle { get; }

    public void Evaluate(IReadOnlyList<Track> tracks, DateTimeOffset now, List<AlertMessage> output)
    {
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (track.State != TrackState.Confirmed || (uint)track.ClassId >= (uint)_classAllowed.Length || !_classAllowed[track.ClassId])
            {
                continue;
            }

            var (x, y) = track.Box.BottomCentre;
            var inside = _polygon.Contains(new PointF(x, y));
            ref var presence = ref CollectionsMarshal.GetValueRefOrNullRef(_presence, track.Id);
            if (Unsafe.IsNullRef(ref presence))
            {
                if (!inside)
                {
                    continue;
                }

                presence = ref CollectionsMarshal.GetValueRefOrAddDefault(_presence, track.Id, out _);
                presence.EnteredAt = now;
            }

            presence.Box = track.Box;
            presence.Score = track.Score;
            presence.ClassId = track.ClassId;
            if (inside)
            {
                presence.LastInside = now;
                presence.Outside = false;
            }
        }

        // Removing while enumerating a Dictionary is allowed (and allocation-free) since .NET Core 3.0.
        foreach (var (trackId, snapshot) in _presence)
        {
            if (snapshot.LastInside == now)
            {
                var dwell = now - snapshot.EnteredAt;
                if (dwell >= _minDuration && Lifecycle.CanStart(trackId, now))
                {
                    output.Add(Lifecycle.Start(trackId, snapshot.EnteredAt, now, snapshot.Score, Duration(dwell), Objects(trackId, snapshot)));
                }

                continue;
            }

            ref var presence = ref CollectionsMarshal.GetValueRefOrNullRef(_presence, trackId);
            if (!presence.Outside)
            {
                presence.Outside = true;
                presence.OutsideSince = now;
            }

            if (now - presence.OutsideSince >= _exitGrace)
            {
                if (Lifecycle.IsOpen(trackId))
                {
                    // It left when it was first seen outside (or missing), not when the grace ran out.
                    var endedAt = presence.OutsideSince;
                    output.Add(Lifecycle.End(trackId, endedAt, now, presence.Score, Duration(endedAt - presence.EnteredAt), Objects(trackId, presence)));
                }

                _presence.Remove(trackId);
            }
        }

        Lifecycle.Prune(now);
    }

    /// <summary>Ends every open alert at <paramref name="now"/> and forgets every presence.</summary>
    public void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        foreach (var (trackId, presence) in _presence)
        {
            if (Lifecycle.IsOpen(trackId))
            {
                output.Add(Lifecycle.End(trackId, now, now, presence.Score, Duration(now - presence.EnteredAt), Objects(trackId, presence)));
            }
        }

        _presence.Clear();
    }

    private static Measurement Duration(TimeSpan duration) => new("duration", Math.Round(Math.Max(0, duration.TotalSeconds), 3), "s");

    private AlertObject[] Objects(int trackId, in Presence presence)
    {
        var label = (uint)presence.ClassId < (uint)_labels.Count ? _labels[presence.ClassId] : presence.ClassId.ToString();
        var b = presence.Box;
        return [new AlertObject(label, Math.Round(presence.Score, 4), [Round(b.X), Round(b.Y), Round(b.Width), Round(b.Height)], trackId)];
    }

    private static double Round(float v) => Math.Round(v, 4);

    private struct Presence
    {
        public DateTimeOffset EnteredAt;
        public DateTimeOffset LastInside;
        public DateTimeOffset OutsideSince;
        public bool Outside;
        public NormBox Box;
        public float Score;
        public int ClassId;
    }
}
