using OpenCvSharp;

namespace Vsa.Edge.Agent.StaticRegions;

/// <summary>
/// The pixel state of <see cref="StaticRegionDetector"/>: a short-term and a long-term running average of the grey
/// analysis image, and the pixels held out of the long-term one. Arrays are sized once per image size.
/// </summary>
internal sealed class DualBackground
{
    private float[] _shortTerm = [];
    private float[] _longTerm = [];
    private byte[] _hold = [];
    private int _width;
    private int _height;

    public void Allocate(int width, int height)
    {
        (_width, _height) = (width, height);
        _shortTerm = new float[width * height];
        _longTerm = new float[width * height];
        _hold = new byte[width * height];
    }

    /// <summary>
    /// Learns one BGR analysis image into both backgrounds (or starts them from it when <paramref name="reset"/>) and
    /// writes the raw static mask (255 where the long-term background differs and the short-term one does not);
    /// returns its pixel count.
    /// </summary>
    public unsafe int Classify(Mat small, Mat mask, bool reset, float alphaShort, float alphaLong, float threshold)
    {
        var count = 0;
        var src = (byte*)small.Data;
        var srcStep = (long)small.Step();
        var dst = (byte*)mask.Data;
        var dstStep = (long)mask.Step();
        for (var y = 0; y < _height; y++)
        {
            var row = src + (y * srcStep);
            var outRow = dst + (y * dstStep);
            var o = y * _width;
            for (var x = 0; x < _width; x++, o++)
            {
                // BT.601 luma in fixed point.
                var grey = ((row[3 * x] * 29) + (row[(3 * x) + 1] * 150) + (row[(3 * x) + 2] * 77)) >> 8;
                if (reset)
                {
                    (_shortTerm[o], _longTerm[o]) = (grey, grey);
                    outRow[x] = 0;
                    continue;
                }

                var s = _shortTerm[o] += alphaShort * (grey - _shortTerm[o]);
                var l = _longTerm[o];
                var isStatic = MathF.Abs(grey - l) > threshold && MathF.Abs(grey - s) <= threshold;
                if (_hold[o] == 0)
                {
                    _longTerm[o] = l + (alphaLong * (grey - l));
                }

                outRow[x] = isStatic ? (byte)255 : (byte)0;
                count += isStatic ? 1 : 0;
            }
        }

        GC.KeepAlive(small);
        GC.KeepAlive(mask);
        return count;
    }

    /// <summary>
    /// Whether region <paramref name="label"/> is a ghost: where something that was in the long-term background left
    /// (a passer-by in the first frame, a car that drove off) the pixels look static too. The outline tells them apart:
    /// across a real object's border the short-term background (the scene now) changes sharply and the long-term one
    /// does not; across a ghost's it is the other way round.
    /// </summary>
    public unsafe bool IsGhost(Mat labels, int label, Rect box)
    {
        var data = (int*)labels.Data;
        var step = (int)((long)labels.Step() / sizeof(int));
        var (now, then) = (0f, 0f);
        for (var y = box.Y; y < box.Bottom; y++)
        {
            for (var x = box.X; x < box.Right; x++)
            {
                if (data[(y * step) + x] != label)
                {
                    continue;
                }

                // Each outward step from a border pixel: one pixel inside against two outside.
                Edge(x, y, 1, 0);
                Edge(x, y, -1, 0);
                Edge(x, y, 0, 1);
                Edge(x, y, 0, -1);
            }
        }

        GC.KeepAlive(labels);
        return then > now;

        void Edge(int x, int y, int dx, int dy)
        {
            var (fx, fy) = (x + (2 * dx), y + (2 * dy));
            var (ix, iy) = (x - dx, y - dy);
            if ((uint)fx >= (uint)_width || (uint)fy >= (uint)_height || (uint)ix >= (uint)_width || (uint)iy >= (uint)_height
                || data[((y + dy) * step) + x + dx] == label)
            {
                return;
            }

            var (inside, outside) = ((iy * _width) + ix, (fy * _width) + fx);
            now += MathF.Abs(_shortTerm[inside] - _shortTerm[outside]);
            then += MathF.Abs(_longTerm[inside] - _longTerm[outside]);
        }
    }

    /// <summary>Copies the short-term background into the long-term one over region <paramref name="label"/>.</summary>
    public unsafe void Learn(Mat labels, int label, Rect box)
    {
        var data = (int*)labels.Data;
        var step = (int)((long)labels.Step() / sizeof(int));
        for (var y = box.Y; y < box.Bottom; y++)
        {
            for (var x = box.X; x < box.Right; x++)
            {
                if (data[(y * step) + x] == label)
                {
                    _longTerm[(y * _width) + x] = _shortTerm[(y * _width) + x];
                }
            }
        }

        GC.KeepAlive(labels);
    }

    /// <summary>Holds the pixels of the regions flagged in <paramref name="held"/> (by label) out of the next long-term update; null holds none.</summary>
    public unsafe void Hold(Mat labels, bool[]? held)
    {
        Array.Clear(_hold);
        if (held is null)
        {
            return;
        }

        var data = (int*)labels.Data;
        var step = (int)((long)labels.Step() / sizeof(int));
        for (var y = 0; y < _height; y++)
        {
            var row = data + (y * step);
            var o = y * _width;
            for (var x = 0; x < _width; x++)
            {
                var label = row[x];
                if (label > 0 && label < held.Length && held[label])
                {
                    _hold[o + x] = 1;
                }
            }
        }

        GC.KeepAlive(labels);
    }
}
