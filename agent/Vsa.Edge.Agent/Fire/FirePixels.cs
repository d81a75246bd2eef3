namespace Vsa.Edge.Agent.Fire;

/// <summary>One connected region of fire-coloured pixels in the analysis image.</summary>
/// <param name="X0">Left column (inclusive).</param>
/// <param name="Y0">Top row (inclusive).</param>
/// <param name="X1">Right column (inclusive).</param>
/// <param name="Y1">Bottom row (inclusive).</param>
/// <param name="Area">Fire-coloured pixels.</param>
/// <param name="Energy">Sum of their luma (0–255 each): changes with the region's size and brightness.</param>
/// <param name="Colour">Mean colour score of its pixels, 0–1.</param>
internal readonly record struct PixelRegion(int X0, int Y0, int X1, int Y1, int Area, double Energy, double Colour)
{
    public int Width => X1 - X0 + 1;

    public int Height => Y1 - Y0 + 1;

    /// <summary>Intersection over union of the bounding boxes.</summary>
    public double IoU(in PixelRegion other)
    {
        var ix = Math.Min(X1, other.X1) - Math.Max(X0, other.X0) + 1;
        var iy = Math.Min(Y1, other.Y1) - Math.Max(Y0, other.Y0) + 1;
        if (ix <= 0 || iy <= 0)
        {
            return 0;
        }

        var inter = (double)ix * iy;
        return inter / (((double)Width * Height) + ((double)other.Width * other.Height) - inter);
    }
}

/// <summary>
/// Fire-coloured pixels and their connected regions in a small BGR image. A pixel is fire-coloured when it is red-dominant
/// and ordered R &gt; G ≥ B (red through orange to yellow), saturated ((R − B) / R ≥ the minimum), bright (R ≥ the
/// minimum) and clearly brighter than the image's mean luma (by <see cref="FireDetectorOptions.MinContrast"/>). Regions are 8-connected after a 3 × 3 dilation (a flame's tongues
/// belong together), measured on the undilated pixels. Buffers are sized once per image size: no allocation per frame.
/// </summary>
internal sealed class FirePixels
{
    private readonly FireDetectorOptions _options;
    private byte[] _fire = [];
    private byte[] _dilated = [];
    private byte[] _luma = [];
    private float[] _colour = [];
    private int[] _labels = [];
    private int[] _parent = [];
    private int[] _count = [];
    private double[] _energy = [];
    private double[] _colourSum = [];
    private int[] _box = [];
    private PixelRegion[] _regions = [];
    private int _width;
    private int _height;

    public FirePixels(FireDetectorOptions options) => _options = options;

    /// <summary>Regions found by the last <see cref="Find"/>, largest first.</summary>
    public ReadOnlySpan<PixelRegion> Regions => _regions.AsSpan(0, RegionCount);

    public int RegionCount { get; private set; }

    /// <summary>Fire-coloured pixels in the last image.</summary>
    public int FirePixelCount { get; private set; }

    /// <summary>Classifies the pixels of a packed 8-bit BGR image and labels the regions.</summary>
    public unsafe void Find(byte* bgr, long step, int width, int height)
    {
        Ensure(width, height);
        Classify(bgr, step);
        Dilate();
        Label();
    }

    /// <summary>
    /// Colour score of one pixel, 0–1: hue in the flame band (about 8°–45°, fading to 0 at 0° and 60°), weighted by
    /// saturation and by how close red is to full scale (flames saturate the sensor's red; bricks and sand reach
    /// 150–180). A sodium lamp scores high too; colour alone never decides.
    /// </summary>
    internal static float ColourScore(int r, int g, int b)
    {
        var chroma = r - b;
        if (chroma <= 0)
        {
            return 0;
        }

        var hue = 60f * (g - b) / chroma;
        var hueScore = hue < 8 ? hue / 8f : hue > 45 ? Math.Max(0, (60 - hue) / 15f) : 1f;
        var saturation = chroma / (float)r;
        var saturationScore = 0.4f + (0.6f * Math.Clamp((saturation - 0.3f) / 0.4f, 0, 1));
        var brightness = Math.Clamp((r - 150) / 90f, 0, 1);
        return hueScore * saturationScore * brightness;
    }

    private void Ensure(int width, int height)
    {
        if (width == _width && height == _height)
        {
            return;
        }

        var n = width * height;
        (_width, _height) = (width, height);
        (_fire, _dilated, _luma, _colour, _labels) = (new byte[n], new byte[n], new byte[n], new float[n], new int[n]);

        // Labels are at most one per two pixels in a row-by-row first pass; +1 because label 0 means background.
        var maxLabels = (n / 2) + 2;
        (_parent, _count, _energy, _colourSum, _box) = (new int[maxLabels], new int[maxLabels], new double[maxLabels], new double[maxLabels], new int[maxLabels * 4]);
        _regions = new PixelRegion[_options.MaxRegions];
    }

    private unsafe void Classify(byte* bgr, long step)
    {
        long lumaSum = 0;
        for (var y = 0; y < _height; y++)
        {
            var row = bgr + (y * step);
            var o = y * _width;
            for (var x = 0; x < _width; x++)
            {
                var p = row + (x * 3);
                var luma = ((77 * p[2]) + (150 * p[1]) + (29 * p[0])) >> 8;
                _luma[o + x] = (byte)luma;
                lumaSum += luma;
            }
        }

        var minLuma = (int)(lumaSum / Math.Max(1, _width * _height)) + _options.MinContrast;
        var minRed = _options.MinRed;
        var minSaturation = (float)_options.MinSaturation;
        var count = 0;
        for (var y = 0; y < _height; y++)
        {
            var row = bgr + (y * step);
            var o = y * _width;
            for (var x = 0; x < _width; x++)
            {
                var p = row + (x * 3);
                int b = p[0], g = p[1], r = p[2];
                var fire = r >= minRed && r > g && g >= b && r - b >= minSaturation * r && _luma[o + x] >= minLuma;
                _fire[o + x] = fire ? (byte)1 : (byte)0;
                _colour[o + x] = fire ? ColourScore(r, g, b) : 0;
                count += fire ? 1 : 0;
            }
        }

        FirePixelCount = count;
    }

    private void Dilate()
    {
        Array.Clear(_dilated);
        if (FirePixelCount == 0)
        {
            return;
        }

        for (var y = 0; y < _height; y++)
        {
            for (var x = 0; x < _width; x++)
            {
                if (_fire[(y * _width) + x] == 0)
                {
                    continue;
                }

                for (var dy = Math.Max(0, y - 1); dy <= Math.Min(_height - 1, y + 1); dy++)
                {
                    for (var dx = Math.Max(0, x - 1); dx <= Math.Min(_width - 1, x + 1); dx++)
                    {
                        _dilated[(dy * _width) + dx] = 1;
                    }
                }
            }
        }
    }

    // Two-pass labelling with union-find, then per-label sums on the undilated fire pixels.
    private void Label()
    {
        RegionCount = 0;
        if (FirePixelCount == 0)
        {
            return;
        }

        var next = 1;
        for (var y = 0; y < _height; y++)
        {
            for (var x = 0; x < _width; x++)
            {
                var i = (y * _width) + x;
                _labels[i] = 0;
                if (_dilated[i] == 0)
                {
                    continue;
                }

                var label = 0;
                label = Join(label, x > 0 ? _labels[i - 1] : 0);
                if (y > 0)
                {
                    var up = i - _width;
                    label = Join(label, x > 0 ? _labels[up - 1] : 0);
                    label = Join(label, _labels[up]);
                    label = Join(label, x + 1 < _width ? _labels[up + 1] : 0);
                }

                if (label == 0)
                {
                    label = next++;
                    _parent[label] = label;
                    (_count[label], _energy[label], _colourSum[label]) = (0, 0, 0);
                    (_box[label * 4], _box[(label * 4) + 1], _box[(label * 4) + 2], _box[(label * 4) + 3]) = (int.MaxValue, int.MaxValue, -1, -1);
                }

                _labels[i] = label;
            }
        }

        for (var i = 0; i < _width * _height; i++)
        {
            if (_fire[i] == 0)
            {
                continue;
            }

            var root = Root(_labels[i]);
            var (x, y) = (i % _width, i / _width);
            _count[root]++;
            _energy[root] += _luma[i];
            _colourSum[root] += _colour[i];
            var b = root * 4;
            (_box[b], _box[b + 1]) = (Math.Min(_box[b], x), Math.Min(_box[b + 1], y));
            (_box[b + 2], _box[b + 3]) = (Math.Max(_box[b + 2], x), Math.Max(_box[b + 3], y));
        }

        for (var label = 1; label < next; label++)
        {
            if (_parent[label] != label || _count[label] < _options.MinRegionPixels)
            {
                continue;
            }

            var b = label * 4;
            Keep(new PixelRegion(_box[b], _box[b + 1], _box[b + 2], _box[b + 3], _count[label], _energy[label], _colourSum[label] / _count[label]));
        }
    }

    // Keeps the MaxRegions largest regions, sorted by decreasing area (insertion into a small array).
    private void Keep(in PixelRegion region)
    {
        var at = RegionCount;
        if (at == _regions.Length)
        {
            if (region.Area <= _regions[at - 1].Area)
            {
                return;
            }

            at--;
        }
        else
        {
            RegionCount++;
        }

        while (at > 0 && _regions[at - 1].Area < region.Area)
        {
            _regions[at] = _regions[at - 1];
            at--;
        }

        _regions[at] = region;
    }

    private int Join(int label, int neighbour)
    {
        if (neighbour == 0)
        {
            return label;
        }

        if (label == 0)
        {
            return neighbour;
        }

        var (a, b) = (Root(label), Root(neighbour));
        if (a != b)
        {
            _parent[Math.Max(a, b)] = Math.Min(a, b);
        }

        return Math.Min(a, b);
    }

    private int Root(int label)
    {
        while (_parent[label] != label)
        {
            _parent[label] = _parent[_parent[label]];
            label = _parent[label];
        }

        return label;
    }
}
