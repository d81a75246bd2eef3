using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Fire from the host's pixel candidates, for one zone (or the frame). A candidate alerts when, present without gaps
/// longer than <c>maxGapSeconds</c> for the minimum duration, it stays fire-coloured and either grows (mean growth
/// rate ≥ <c>minGrowthRate</c> and its area really larger at the end of the window) or flickers irregularly (flicker
/// energy ≥ <c>minFlicker</c> with an area that changes, and no periodic pattern: autocorrelation after its first
/// dip below zero under <c>maxPeriodicity</c>). A steady lamp neither grows nor flickers; a blinking light is either
/// absent half the time or periodic; neither alerts.
/// </summary>
internal sealed class FireCandidateRule : Rule
{
    private const double ConsistentShare = 0.7;
    private const double MinAreaVariation = 0.02;
    private const int Capacity = 256;
    private static readonly long MinSpacingTicks = TimeSpan.FromMilliseconds(25).Ticks;

    private readonly double _minGrowth;
    private readonly double _minFlicker;
    private readonly double _minColour;
    private readonly TimeSpan _maxGap;
    private readonly double _maxPeriodicity;
    private readonly TimeSpan _window;
    private readonly double[] _series = new double[Capacity];
    private readonly Dictionary<int, Region> _regions = [];

    public FireCandidateRule(RuleSettings settings)
        : base(settings)
    {
        _minGrowth = settings["minGrowthRate"];
        _minFlicker = settings["minFlicker"];
        _minColour = settings["minColour"];
        _maxGap = TimeSpan.FromSeconds(settings["maxGapSeconds"]);
        _maxPeriodicity = settings["maxPeriodicity"];
        _window = TimeSpan.FromSeconds(Math.Clamp(settings.MinDuration.TotalSeconds, 1, 6));
    }

    public override void Evaluate(RuleFrame frame, List<AlertMessage> output)
    {
        var now = frame.Now;
        var candidates = frame.FireCandidates;
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            if (!InZone(c.Box))
            {
                continue;
            }

            if (!_regions.TryGetValue(c.RegionId, out var region))
            {
                region = new Region();
                _regions.Add(c.RegionId, region);
            }

            if (region.Count == 0 || now - region.LastSeen > _maxGap)
            {
                (region.Since, region.Count, region.Start, region.FireLike, region.Total) = (now, 0, 0, 0, 0);
            }

            var fireLike = c.ColourScore >= _minColour && (c.AreaGrowthRate >= _minGrowth || c.FlickerEnergy >= _minFlicker);
            (region.FireLike, region.Total) = (region.FireLike + (fireLike ? 1 : 0), region.Total + 1);
            region.Add(new Sample(now.UtcTicks, c.Box.Area, c.AreaGrowthRate, c.FlickerEnergy, c.ColourScore, fireLike));
            (region.LastSeen, region.Box) = (now, c.Box);
        }

        foreach (var (id, region) in _regions)
        {
            if (region.LastSeen != now)
            {
                if (now - region.LastSeen > (_maxGap > Settings.ExitGrace ? _maxGap : Settings.ExitGrace))
                {
                    if (Lifecycle.IsOpen(id))
                    {
                        output.Add(Lifecycle.End(id, region.LastSeen, now, region.Colour, Growth(region.Growth), Candidate(region.Box, region.Colour)));
                    }

                    _regions.Remove(id);
                }

                continue;
            }

            if (now - region.Since >= Settings.MinDuration && Consistent(region, now) && MayStart(id, now))
            {
                output.Add(Lifecycle.Start(id, region.Since, now, region.Colour, Growth(region.Growth), Candidate(region.Box, region.Colour)));
            }
        }

        Lifecycle.Prune(now);
    }

    public override void Flush(DateTimeOffset now, List<AlertMessage> output)
    {
        foreach (var (id, region) in _regions)
        {
            if (Lifecycle.IsOpen(id))
            {
                output.Add(Lifecycle.End(id, now, now, region.Colour, Growth(region.Growth), Candidate(region.Box, region.Colour)));
            }
        }

        _regions.Clear();
    }

    /// <summary>Whether the candidate grew or flickered irregularly over the last window, and stayed fire-like overall.</summary>
    private bool Consistent(Region region, DateTimeOffset now)
    {
        var from = (now - _window).UtcTicks;
        int n = 0, fireLike = 0, flickering = 0;
        double growth = 0, colour = 0, areaSum = 0;
        for (var i = 0; i < region.Count; i++)
        {
            ref readonly var s = ref region[i];
            if (s.Ticks < from)
            {
                continue;
            }

            _series[n++] = s.Area;
            (fireLike, flickering) = (fireLike + (s.FireLike ? 1 : 0), flickering + (s.Flicker >= _minFlicker ? 1 : 0));
            (growth, colour, areaSum) = (growth + s.Growth, colour + s.Colour, areaSum + s.Area);
        }

        if (n < 5 || fireLike < ConsistentShare * n || region.FireLike < ConsistentShare * region.Total)
        {
            return false;
        }

        (region.Growth, region.Colour) = (growth / n, colour / n);
        var span = (double)(region[region.Count - 1].Ticks - Math.Max(from, region[0].Ticks)) / TimeSpan.TicksPerSecond;
        var head = (_series[0] + _series[1] + _series[2]) / 3;
        var tail = (_series[n - 1] + _series[n - 2] + _series[n - 3]) / 3;
        if (region.Growth >= _minGrowth && tail >= head * (1 + (0.5 * _minGrowth * span)))
        {
            return true;
        }

        var mean = areaSum / n;
        var variance = 0.0;
        for (var i = 0; i < n; i++)
        {
            variance += (_series[i] - mean) * (_series[i] - mean);
        }

        var variation = mean > 0 ? Math.Sqrt(variance / n) / mean : 0;
        return flickering >= ConsistentShare * n && variation >= MinAreaVariation && Periodicity(_series.AsSpan(0, n)) <= _maxPeriodicity;
    }

    /// <summary>
    /// Strongest autocorrelation of the detrended series at a lag beyond its first dip below zero: near 1 for a light
    /// that repeats itself, low for flames (whose smoothness only makes the first lags high).
    /// </summary>
    internal static double Periodicity(Span<double> series)
    {
        var n = series.Length;
        double st = 0, sy = 0, stt = 0, sty = 0;
        for (var i = 0; i < n; i++)
        {
            (st, sy, stt, sty) = (st + i, sy + series[i], stt + ((double)i * i), sty + (i * series[i]));
        }

        var slope = ((n * sty) - (st * sy)) / ((n * stt) - (st * st));
        var intercept = (sy - (slope * st)) / n;
        var energy = 0.0;
        for (var i = 0; i < n; i++)
        {
            series[i] -= intercept + (slope * i);
            energy += series[i] * series[i];
        }

        if (energy <= 1e-18)
        {
            return 0;
        }

        var dipped = false;
        var best = 0.0;
        for (var lag = 1; lag <= n / 2; lag++)
        {
            var r = 0.0;
            for (var i = 0; i + lag < n; i++)
            {
                r += series[i] * series[i + lag];
            }

            r /= energy;
            if (!dipped)
            {
                dipped = r < 0;
                continue;
            }

            best = Math.Max(best, r);
        }

        return best;
    }

    private static Measurement Growth(double rate) => new("growth_rate", Math.Round(rate, 4), "1/s");

    private static AlertObject[] Candidate(in NormBox box, double colour) => [Object("fire_candidate", (float)colour, box, null)];

    private readonly record struct Sample(long Ticks, double Area, double Growth, double Flicker, double Colour, bool FireLike);

    private sealed class Region
    {
        private readonly Sample[] _ring = new Sample[Capacity];

        public DateTimeOffset Since { get; set; }

        public DateTimeOffset LastSeen { get; set; }

        public NormBox Box { get; set; }

        public int Start { get; set; }

        public int Count { get; set; }

        public int FireLike { get; set; }

        public int Total { get; set; }

        public double Growth { get; set; }

        public double Colour { get; set; }

        public ref readonly Sample this[int index] => ref _ring[(Start + index) % Capacity];

        public void Add(Sample sample)
        {
            if (Count > 1 && sample.Ticks - this[Count - 2].Ticks < MinSpacingTicks)
            {
                _ring[(Start + Count - 1) % Capacity] = sample;
                return;
            }

            if (Count == Capacity)
            {
                (Start, Count) = ((Start + 1) % Capacity, Count - 1);
            }

            _ring[(Start + Count) % Capacity] = sample;
            Count++;
        }
    }
}
