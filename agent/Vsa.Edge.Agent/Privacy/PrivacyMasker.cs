using OpenCvSharp;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Privacy;

/// <summary>
/// Blanks a camera's privacy masks (dwellings and their entrances, CSI L251-3; LEGAL.md #12) in each frame before
/// anything else reads it: the detector, the pose model, the fire detector and the debug video all see black there.
/// The masks are rasterised once per frame size (OpenCV <c>FillPoly</c>, boundary pixels included) and kept as
/// horizontal runs, so blanking a frame is a few <c>memset</c>s: no allocation and no OpenCV call per frame. It holds
/// no native memory, so a replacement (configuration reload) can be swapped in while the old one is still in use.
/// </summary>
public sealed class PrivacyMasker
{
    private readonly CameraConfig _camera;
    private int[] _runs = [];
    private int _runCount;
    private int _width;
    private int _height;

    private PrivacyMasker(CameraConfig camera)
    {
        _camera = camera;
    }

    /// <summary>Number of masked pixels per frame at the current size.</summary>
    public long MaskedPixels { get; private set; }

    /// <summary>A masker for the camera's <c>privacyMasks</c>, or null when it has none.</summary>
    public static PrivacyMasker? Create(CameraConfig camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return camera.PrivacyMasks is { Count: > 0 } ? new PrivacyMasker(camera) : null;
    }

    /// <summary>Fills every masked pixel of <paramref name="frame"/> (8-bit, any channel count) with 0, in place.</summary>
    public void Apply(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Empty())
        {
            return;
        }

        if (frame.Depth() != MatType.CV_8U)
        {
            throw new ArgumentException("Privacy masks apply to 8-bit frames.", nameof(frame));
        }

        if (frame.Cols != _width || frame.Rows != _height)
        {
            Rasterise(frame.Cols, frame.Rows);
        }

        Blank(frame);
    }

    private unsafe void Blank(Mat frame)
    {
        var data = (byte*)frame.Data;
        var step = (long)frame.Step();
        var pixelBytes = frame.Channels();
        var runs = _runs;
        for (var i = 0; i < _runCount; i++)
        {
            var r = i * 3;
            new Span<byte>(data + (runs[r] * step) + (runs[r + 1] * pixelBytes), runs[r + 2] * pixelBytes).Clear();
        }

        GC.KeepAlive(frame);
    }

    // Once per frame size: draw the polygons, then turn each row of the mask into runs (row, first column, length).
    private void Rasterise(int width, int height)
    {
        using var mask = new Mat(height, width, MatType.CV_8UC1, Scalar.Black);
        var polygons = _camera.PrivacyMaskPixels(width, height)
            .Select(p => p.Select(v => new Point(v.X, v.Y)).ToArray())
            .ToArray();
        Cv2.FillPoly(mask, polygons, Scalar.White, LineTypes.Link8);

        var runs = new List<int>();
        long masked = 0;
        for (var y = 0; y < height; y++)
        {
            var x = 0;
            while (x < width)
            {
                if (mask.At<byte>(y, x) == 0)
                {
                    x++;
                    continue;
                }

                var start = x;
                while (x < width && mask.At<byte>(y, x) != 0)
                {
                    x++;
                }

                runs.Add(y);
                runs.Add(start);
                runs.Add(x - start);
                masked += x - start;
            }
        }

        (_runs, _runCount, _width, _height, MaskedPixels) = ([.. runs], runs.Count / 3, width, height, masked);
    }
}
