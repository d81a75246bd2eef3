using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>One remembered observation of a track: its box and the ground position of its feet (bottom-centre).</summary>
internal struct TrackSample
{
    public long Ticks;
    public NormBox Box;
    public double GroundX;
    public double GroundY;
}

/// <summary>
/// The last few seconds of one confirmed track, in a fixed ring, shared by every rule that looks at motion (wrong way,
/// crowd movement, person down) so each frame maps each track to the ground once. Samples closer than
/// <see cref="MinSpacingTicks"/> replace the latest one, so the ring spans at least <c>EventParameters.MaxHistorySeconds</c>
/// whatever the frame rate.
/// </summary>
internal sealed class TrackHistory
{
    public const int Capacity = 256;
    public static readonly long MinSpacingTicks = TimeSpan.FromMilliseconds(50).Ticks;

    private readonly TrackSample[] _ring = new TrackSample[Capacity];
    private int _start;

    public int Count { get; private set; }

    public long FirstTicks { get; private set; }

    public long LastTicks => Count == 0 ? long.MinValue : this[Count - 1].Ticks;

    public ref readonly TrackSample Latest => ref this[Count - 1];

    /// <summary>Sample by age order: 0 is the oldest kept.</summary>
    public ref readonly TrackSample this[int index] => ref _ring[(_start + index) % Capacity];

    public void Reset()
    {
        _start = 0;
        Count = 0;
    }

    public void Add(long ticks, NormBox box, (double X, double Y) ground)
    {
        var sample = new TrackSample { Ticks = ticks, Box = box, GroundX = ground.X, GroundY = ground.Y };
        if (Count == 0)
        {
            FirstTicks = ticks;
        }
        else if (Count > 1 && ticks - this[Count - 2].Ticks < MinSpacingTicks)
        {
            _ring[(_start + Count - 1) % Capacity] = sample;
            return;
        }

        if (Count == Capacity)
        {
            _start = (_start + 1) % Capacity;
            Count--;
        }

        _ring[(_start + Count) % Capacity] = sample;
        Count++;
    }

    /// <summary>Index of the latest sample at or before <paramref name="ticks"/>, or −1.</summary>
    public int IndexAtOrBefore(long ticks)
    {
        int lo = 0, hi = Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (this[mid].Ticks <= ticks)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    /// <summary>
    /// Least-squares ground velocity (units per second) of the samples in [from, to]: a smoothed displacement that
    /// one jittery box cannot fake. False when fewer than three usable samples or they span under 60 % of the window.
    /// </summary>
    public bool TryVelocity(long fromTicks, long toTicks, out double vx, out double vy)
    {
        vx = vy = 0;
        var first = IndexAtOrBefore(fromTicks - 1) + 1;
        double n = 0, st = 0, sx = 0, sy = 0, stt = 0, stx = 0, sty = 0;
        long t0 = 0, tMin = long.MaxValue, tMax = long.MinValue;
        for (var i = first; i < Count; i++)
        {
            ref readonly var s = ref this[i];
            if (s.Ticks > toTicks)
            {
                break;
            }

            if (!double.IsFinite(s.GroundX))
            {
                continue;
            }

            if (n == 0)
            {
                t0 = s.Ticks;
            }

            var t = (s.Ticks - t0) / (double)TimeSpan.TicksPerSecond;
            (n, st, sx, sy, stt, stx, sty) = (n + 1, st + t, sx + s.GroundX, sy + s.GroundY, stt + (t * t), stx + (t * s.GroundX), sty + (t * s.GroundY));
            (tMin, tMax) = (Math.Min(tMin, s.Ticks), Math.Max(tMax, s.Ticks));
        }

        var denominator = (n * stt) - (st * st);
        if (n < 3 || denominator <= 0 || tMax - tMin < 0.6 * (toTicks - fromTicks))
        {
            return false;
        }

        vx = ((n * stx) - (st * sx)) / denominator;
        vy = ((n * sty) - (st * sy)) / denominator;
        return true;
    }
}

/// <summary>Histories of the confirmed tracks of one camera, updated once per frame; forgotten tracks' rings are reused.</summary>
internal sealed class TrackHistoryStore
{
    private static readonly long ForgetAfterTicks = TimeSpan.FromSeconds(10).Ticks;

    private readonly Dictionary<int, TrackHistory> _tracks = [];
    private readonly Stack<TrackHistory> _pool = new();

    public int Count => _tracks.Count;

    public TrackHistory? Get(int trackId) => _tracks.GetValueOrDefault(trackId);

    public void Update(IReadOnlyList<Track> tracks, DateTimeOffset now, GroundPlane ground)
    {
        var ticks = now.UtcTicks;
        for (var i = 0; i < tracks.Count; i++)
        {
            var track = tracks[i];
            if (track.State != TrackState.Confirmed)
            {
                continue;
            }

            if (!_tracks.TryGetValue(track.Id, out var history))
            {
                history = _pool.Count > 0 ? _pool.Pop() : new TrackHistory();
                history.Reset();
                _tracks.Add(track.Id, history);
            }

            var (x, y) = track.Box.BottomCentre;
            history.Add(ticks, track.Box, ground.ToGround(x, y));
        }

        foreach (var (id, history) in _tracks)
        {
            if (ticks - history.LastTicks > ForgetAfterTicks)
            {
                _tracks.Remove(id);
                _pool.Push(history);
            }
        }
    }

    public void Clear()
    {
        foreach (var history in _tracks.Values)
        {
            _pool.Push(history);
        }

        _tracks.Clear();
    }
}
