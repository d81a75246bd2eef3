using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Intrusion as zone dwell, for one zone: a confirmed track of an allowed class whose bottom-centre stays in the
/// polygon for at least the minimum duration raises an alert for that (zone, track); it ends once the track has been
/// outside, or absent from the tracker's output, for the exit grace.
/// </summary>
internal sealed class IntrusionRule(RuleSettings settings) : Rule(settings)
{
    private readonly Dictionary<int, Presence> _presence = [];

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

            var inside = InZone(track.Box);
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
                if (dwell >= Settings.MinDuration && MayStart(trackId, now))
                {
                    output.Add(Lifecycle.Start(trackId, snapshot.EnteredAt, now, snapshot.Score, Seconds(dwell), Objects(trackId, snapshot.ClassId, snapshot.Score, snapshot.Box)));
                }

                continue;
            }

            ref var presence = ref CollectionsMarshal.GetValueRefOrNullRef(_presence, trackId);
            if (!presence.Outside)
            {
                presence.Outside = true;
                presence.OutsideSince = now;
            }

            if (now - presence.OutsideSince >= Settings.ExitGrace)
            {
                if (Lifecycle.IsOpen(trackId))
                {
                    // It left when it was first seen outside (or missing), not when the grace ran out.
                    var endedAt = presence.OutsideSince;
                    output.Add(Lifecycle.End(trackId, endedAt, now, presence.Score, Seconds(endedAt - presence.EnteredAt), Objects(trackId, presence.ClassId, presence.Score, presence.Box)));
                }

                _presence.Remove(trackId);
            }
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        foreach (var (trackId, presence) in _presence)
        {
            if (Lifecycle.IsOpen(trackId))
            {
                output.Add(Lifecycle.End(trackId, now, now, presence.Score, Seconds(now - presence.EnteredAt), Objects(trackId, presence.ClassId, presence.Score, presence.Box)));
            }
        }

        _presence.Clear();
    }

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
