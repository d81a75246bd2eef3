namespace Vsa.Edge.Agent.Fire;

/// <summary>
/// One followed fire-coloured region: its recent samples and the measures the fire rule reads. Growth is the
/// least-squares slope of ln(area) over the window (1/s). Flicker is the share of the brightness sum's (detrended)
/// variance carried by frame-to-frame changes — near 1 for irregular fast variation, near 0 for smooth change —
/// weighted by how large that fast variation is (nothing below <see cref="FireDetectorOptions.FlickerFloor"/>, full
/// weight at three times it), so sensor noise on a steady lamp reads as no flicker.
/// </summary>
internal sealed class FireRegionHistory
{
    private const int Capacity = 128;

    private readonly long[] _ticks = new long[Capacity];
    private readonly double[] _area = new double[Capacity];
    private readonly double[] _energy = new double[Capacity];
    private int _start;

    public int Id { get; private set; }

    public int Count { get; private set; }

    public PixelRegion Last { get; private set; }

    public DateTimeOffset LastSeen { get; private set; }

    public bool MatchedThisFrame { get; set; }

    public void Reset(int id, in PixelRegion region, DateTimeOffset now)
    {
        (Id, _start, Count) = (id, 0, 0);
        Add(region, now);
    }

    public void Add(in PixelRegion region, DateTimeOffset now)
    {
        if (Count == Capacity)
        {
            (_start, Count) = ((_start + 1) % Capacity, Count - 1);
        }

        var i = (_start + Count) % Capacity;
        (_ticks[i], _area[i], _energy[i]) = (now.UtcTicks, region.Area, region.Energy);
        Count++;
        (Last, LastSeen, MatchedThisFrame) = (region, now, true);
    }

    /// <summary>Relative area growth per second over the window; 0 with fewer than 3 samples or under 1 s of history (too noisy).</summary>
    public double GrowthRate(TimeSpan window)
    {
        var first = FirstInWindow(window);
        var n = Count - first;
        if (n < 3 || Seconds(first, Count - 1) < 1.0)
        {
            return 0;
        }

        double st = 0, sy = 0, stt = 0, sty = 0;
        for (var k = first; k < Count; k++)
        {
            var t = Seconds(first, k);
            var y = Math.Log(Math.Max(1, _area[Index(k)]));
            (st, sy, stt, sty) = (st + t, sy + y, stt + (t * t), sty + (t * y));
        }

        var denominator = (n * stt) - (st * st);
        return denominator <= 1e-12 ? 0 : ((n * sty) - (st * sy)) / denominator;
    }

    /// <summary>Flicker energy 0–1 of the brightness sum over the window; 0 with fewer than 4 samples.</summary>
    public double Flicker(TimeSpan window, double floor)
    {
        var first = FirstInWindow(window);
        var n = Count - first;
        if (n < 4)
        {
            return 0;
        }

        // Remove the linear trend so growth or slow fading do not count as variance.
        double st = 0, sy = 0, stt = 0, sty = 0, areaSum = 0;
        for (var k = first; k < Count; k++)
        {
            var t = Seconds(first, k);
            var y = _energy[Index(k)];
            (st, sy, stt, sty) = (st + t, sy + y, stt + (t * t), sty + (t * y));
            areaSum += _area[Index(k)];
        }

        var denominator = (n * stt) - (st * st);
        var slope = denominator <= 1e-12 ? 0 : ((n * sty) - (st * sy)) / denominator;
        var intercept = (sy - (slope * st)) / n;
        var mean = sy / n;
        if (mean <= 0)
        {
            return 0;
        }

        double variance = 0, changes = 0, previous = 0;
        for (var k = first; k < Count; k++)
        {
            var residual = _energy[Index(k)] - (intercept + (slope * Seconds(first, k)));
            variance += residual * residual;
            if (k > first)
            {
                changes += (residual - previous) * (residual - previous);
            }

            previous = residual;
        }

        variance /= n;
        changes /= n - 1;
        if (variance <= 1e-12)
        {
            return 0;
        }

        var share = Math.Clamp(changes / (2 * variance), 0, 1);
        var fast = Math.Sqrt(changes / 2) / mean;
        floor = Math.Max(floor, 0.4 / Math.Sqrt(Math.Max(1, areaSum / n)));
        var weight = Math.Clamp((fast - floor) / (2 * floor), 0, 1);
        return share * weight;
    }

    private int FirstInWindow(TimeSpan window)
    {
        var from = LastSeen.UtcTicks - window.Ticks;
        var first = Count - 1;
        while (first > 0 && _ticks[Index(first - 1)] >= from)
        {
            first--;
        }

        return first;
    }

    private double Seconds(int first, int k) => (_ticks[Index(k)] - _ticks[Index(first)]) / (double)TimeSpan.TicksPerSecond;

    private int Index(int k) => (_start + k) % Capacity;
}
