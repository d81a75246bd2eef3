using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration.Geometry;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Abandoned object, for one zone (or the frame). Candidates are tracks of bag classes (never persons or vehicles: the
/// configuration refuses them) and, if the host provides them, static foreground regions that no person, vehicle or
/// tracked bag covers. A candidate alerts once it has stayed put (its base within <c>stationary…</c>) with no person
/// within <c>radius…</c> — and its owner, the person nearest when it appeared, gone or beyond that radius, even while
/// the tracker only predicts them — for the minimum duration. Objects there from the start of analysis, and a new
/// track where an alert just ended, never alert. Small objects flicker in and out of detection, so a vanished object
/// keeps its timers for a few seconds and a new track at the same place takes them over.
/// </summary>
internal sealed class AbandonedObjectRule : Rule
{
    private const float SameObject = 0.5f;
    private const float MaxRegionArea = 0.08f;
    private const int MaxRemembered = 256;
    private static readonly TimeSpan ReclaimWindow = TimeSpan.FromSeconds(5);

    private readonly bool[] _personMask;
    private readonly double _radius;
    private readonly double _stationary;
    private readonly TimeSpan _startup;
    private readonly TimeSpan _cooldown;
    private readonly Dictionary<int, Item> _byTrack = [];
    private readonly Dictionary<int, Item> _byRegion = [];
    private readonly List<Item> _lost = [];
    private readonly List<NormBox> _background = [];
    private readonly List<(NormBox Box, DateTimeOffset Until)> _silenced = [];
    private readonly List<(int Id, NormBox Box, double X, double Y, bool Confirmed)> _persons = [];
    private readonly List<NormBox> _covering = [];
    private long _nextSerial = 1;

    public AbandonedObjectRule(RuleSettings settings, bool[] personMask, TimeSpan cooldown)
        : base(settings)
    {
        _personMask = personMask;
        var calibrated = settings.Ground.IsCalibrated;
        _radius = calibrated ? settings["radiusMetres"] : settings["radiusFrame"];
        _stationary = calibrated ? settings["stationaryMetres"] : settings["stationaryFrame"];
        _startup = TimeSpan.FromSeconds(settings["startupSeconds"]);
        _cooldown = cooldown;
    }

    public override void Evaluate(RuleFrame frame, List<AlertMessage> output)
    {
        var now = frame.Now;
        var startup = frame.AnalysisStart is { } start && now - start <= _startup;
        CollectOthers(frame);
        var tracks = frame.Tracks;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (!Applies(track) || !InZone(track.Box))
            {
                continue;
            }

            if (!_byTrack.TryGetValue(track.Id, out var item))
            {
                item = Reclaim(track.Box) ?? NewItem(track.Box, now, startup, Label(track.ClassId));
                item.TrackId = track.Id;
                _byTrack.Add(track.Id, item);
            }

            (item.Score, item.Label) = (track.Score, Label(track.ClassId));
            Observe(item, track.Box, now, output);
        }

        var regions = frame.StaticRegions;
        for (var r = 0; r < regions.Count; r++)
        {
            var region = regions[r];
            if (region.Box.Area > MaxRegionArea || !InZone(region.Box))
            {
                continue;
            }

            if (!_byRegion.TryGetValue(region.RegionId, out var item))
            {
                item = NewItem(region.Box, now, startup || region.StaticSince - (frame.AnalysisStart ?? now) <= _startup, "object");
                _byRegion.Add(region.RegionId, item);
            }

            // A seated or lying person, a parked car, a bag the detector already follows: static, but not a parcel.
            // Counted over time, so a passer-by walking in front of a real parcel does not excuse it.
            (item.Seen, item.Covered) = (item.Seen + 1, item.Covered + (Covered(region.Box) ? 1 : 0));
            item.Ignored = item.Covered * 2 >= item.Seen;
            Observe(item, region.Box, now, output);
        }

        Forget(_byTrack, now, output, reclaimable: true);
        Forget(_byRegion, now, output, reclaimable: false);
        for (var i = _lost.Count - 1; i >= 0; i--)
        {
            if (now - _lost[i].LastSeen > (ReclaimWindow > Settings.ExitGrace ? ReclaimWindow : Settings.ExitGrace))
            {
                End(_lost[i], now, output);
                _lost.RemoveAt(i);
            }
        }

        for (var i = _silenced.Count - 1; i >= 0; i--)
        {
            if (_silenced[i].Until <= now)
            {
                _silenced.RemoveAt(i);
            }
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        foreach (var item in _byTrack.Values.Concat(_byRegion.Values).Concat(_lost))
        {
            if (Lifecycle.IsOpen(item.Serial))
            {
                output.Add(Lifecycle.End(item.Serial, now, now, item.Score, Seconds(now - item.AlertFrom), Objects(item)));
            }
        }

        _byTrack.Clear();
        _byRegion.Clear();
        _lost.Clear();
    }

    private void Observe(Item item, in NormBox box, DateTimeOffset now, List<AlertMessage> output)
    {
        (item.Box, item.LastSeen) = (box, now);
        var (x, y) = box.BottomCentre;
        var ground = Settings.Ground.ToGround(x, y);
        if (!double.IsFinite(ground.X))
        {
            return;
        }

        if (GroundPlane.Distance(ground, item.Rest) > _stationary)
        {
            // Picked up or moved: whatever was open is over, and the clock starts again where it stops.
            End(item, now, output);
            (item.Rest, item.StationarySince, item.UnattendedSince) = (ground, now, null);
        }

        if (Attended(item, ground, box))
        {
            item.UnattendedSince = null;
            return;
        }

        item.UnattendedSince ??= now;
        item.AlertFrom = item.UnattendedSince.Value > item.StationarySince ? item.UnattendedSince.Value : item.StationarySince;
        if (!item.PreExisting && !item.Ignored && now - item.AlertFrom >= Settings.MinDuration && MayStart(item.Serial, now))
        {
            output.Add(Lifecycle.Start(item.Serial, item.AlertFrom, now, item.Score, Seconds(now - item.AlertFrom), Objects(item)));
        }
    }

    /// <summary>A confirmed person within the radius, a person's box over the object (carried, worn), or the owner — even only predicted — within the radius.</summary>
    private bool Attended(Item item, (double X, double Y) ground, in NormBox box)
    {
        var (cx, cy) = (box.X + (box.Width / 2), box.Y + (box.Height / 2));
        foreach (var p in _persons)
        {
            var near = GroundPlane.Distance(ground, (p.X, p.Y)) <= _radius;
            if ((p.Confirmed && near) || (p.Id == item.OwnerTrackId && near)
                || (p.Confirmed && cx >= p.Box.X && cx <= p.Box.Right && cy >= p.Box.Y && cy <= p.Box.Bottom))
            {
                return true;
            }
        }

        return false;
    }

    private Item NewItem(in NormBox box, DateTimeOffset now, bool startup, string label)
    {
        var (x, y) = box.BottomCentre;
        var ground = Settings.Ground.ToGround(x, y);
        var item = new Item { Serial = _nextSerial++, Label = label, Rest = ground, StationarySince = now, LastSeen = now };
        item.PreExisting = startup || Matches(_background, box);
        foreach (var (silencedBox, _) in _silenced)
        {
            item.PreExisting |= silencedBox.IoU(box) >= SameObject;
        }

        if (startup && _background.Count < MaxRemembered)
        {
            _background.Add(box);
        }

        // The owner: the person nearest the object when it appeared, if within the radius.
        var best = _radius;
        foreach (var p in _persons)
        {
            var d = GroundPlane.Distance(ground, (p.X, p.Y));
            if (p.Confirmed && d <= best)
            {
                (best, item.OwnerTrackId) = (d, p.Id);
            }
        }

        return item;
    }

    private Item? Reclaim(in NormBox box)
    {
        var best = -1;
        var bestIoU = SameObject;
        for (var i = 0; i < _lost.Count; i++)
        {
            var iou = _lost[i].Box.IoU(box);
            if (iou >= bestIoU)
            {
                (best, bestIoU) = (i, iou);
            }
        }

        if (best < 0)
        {
            return null;
        }

        var item = _lost[best];
        _lost.RemoveAt(best);
        return item;
    }

    private void Forget(Dictionary<int, Item> items, DateTimeOffset now, List<AlertMessage> output, bool reclaimable)
    {
        foreach (var (id, item) in items)
        {
            if (item.LastSeen == now)
            {
                continue;
            }

            if (reclaimable)
            {
                _lost.Add(item);
                items.Remove(id);
            }
            else if (now - item.LastSeen >= Settings.ExitGrace)
            {
                End(item, now, output);
                items.Remove(id);
            }
        }
    }

    private void End(Item item, DateTimeOffset now, List<AlertMessage> output)
    {
        if (!Lifecycle.IsOpen(item.Serial))
        {
            return;
        }

        output.Add(Lifecycle.End(item.Serial, item.LastSeen, now, item.Score, Seconds(item.LastSeen - item.AlertFrom), Objects(item)));
        _silenced.Add((item.Box, now + _cooldown));
    }

    private void CollectOthers(RuleFrame frame)
    {
        _persons.Clear();
        _covering.Clear();
        var tracks = frame.Tracks;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (track.State == TrackState.Tentative)
            {
                continue;
            }

            var isPerson = (uint)track.ClassId < (uint)_personMask.Length && _personMask[track.ClassId];
            if (isPerson)
            {
                var (x, y) = track.Box.BottomCentre;
                var (gx, gy) = Settings.Ground.ToGround(x, y);
                _persons.Add((track.Id, track.Box, gx, gy, track.State == TrackState.Confirmed));
            }

            if (track.State == TrackState.Confirmed)
            {
                _covering.Add(track.Box);
            }
        }
    }

    /// <summary>Whether a tracked object (person, vehicle, bag…) covers at least half of the region.</summary>
    private bool Covered(in NormBox region)
    {
        foreach (var box in _covering)
        {
            var w = MathF.Min(box.Right, region.Right) - MathF.Max(box.X, region.X);
            var h = MathF.Min(box.Bottom, region.Bottom) - MathF.Max(box.Y, region.Y);
            if (w > 0 && h > 0 && w * h >= SameObject * region.Area)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(List<NormBox> boxes, in NormBox box)
    {
        foreach (var b in boxes)
        {
            if (b.IoU(box) >= SameObject)
            {
                return true;
            }
        }

        return false;
    }

    private static AlertObject[] Objects(Item item) => [Object(item.Label, item.Score, item.Box, item.TrackId == 0 ? null : item.TrackId)];

    private sealed class Item
    {
        public long Serial;
        public int TrackId;
        public int OwnerTrackId;
        public string Label = "object";
        public float Score = 1f;
        public NormBox Box;
        public (double X, double Y) Rest;
        public DateTimeOffset StationarySince;
        public DateTimeOffset? UnattendedSince;
        public DateTimeOffset AlertFrom;
        public DateTimeOffset LastSeen;
        public bool PreExisting;
        public bool Ignored;
        public int Seen;
        public int Covered;
    }
}
