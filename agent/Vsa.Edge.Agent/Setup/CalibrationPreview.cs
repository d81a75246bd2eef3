using Vsa.Edge.Configuration;
using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Agent.Setup;

/// <summary>What the set-up page shows of a ground calibration: its errors and a metre grid over the ground.</summary>
/// <param name="RmsMetres">RMS distance on the ground between the typed positions and the clicked points mapped by the fit (the validator's measure).</param>
/// <param name="RmsPixels">RMS reprojection error in the image: the typed positions mapped back into the frame against the clicked points.</param>
/// <param name="PointErrorsPixels">That error point by point, in the order of the calibration points.</param>
/// <param name="Grid">Polylines of the one-metre grid on the ground, as flat [x0, y0, x1, y1, …] frame-normalised coordinates.</param>
/// <param name="Problem">Why there is no fit (too few or degenerate points), else null.</param>
internal sealed record CalibrationReport(double? RmsMetres, double? RmsPixels, IReadOnlyList<double> PointErrorsPixels, IReadOnlyList<float[]> Grid, string? Problem);

/// <summary>Fits a draft calibration with the agent's own homography and measures it for the installer.</summary>
internal static class CalibrationPreview
{
    /// <summary>Most grid lines drawn in each direction (the step widens past it).</summary>
    public const int MaxLines = 60;

    private const int Samples = 48;

    /// <summary>The report of a calibration on a frame of <paramref name="width"/> × <paramref name="height"/> pixels; null without calibration.</summary>
    public static CalibrationReport? Compute(CalibrationConfig? calibration, int width, int height)
    {
        if (calibration is null)
        {
            return null;
        }

        var points = calibration.Points ?? [];
        if (points.Count < 4)
        {
            return new CalibrationReport(null, null, [], [], $"{points.Count} point(s): at least 4 are needed");
        }

        if (points.Any(p => p?.Image is not { Count: 2 } || p.World is not { Count: 2 } || !p.World.All(double.IsFinite) || !p.Image.All(double.IsFinite)))
        {
            return new CalibrationReport(null, null, [], [], "every point needs an image position and a ground position in metres");
        }

        var homography = calibration.TryFit(out var problem);
        if (homography is null)
        {
            return new CalibrationReport(null, null, [], [], problem);
        }

        var (w, h) = (Math.Max(1, width), Math.Max(1, height));
        var errors = new double[points.Count];
        var sum = 0.0;
        for (var i = 0; i < points.Count; i++)
        {
            var (x, y) = homography.ToImage(points[i].World[0], points[i].World[1]);
            var dx = (x - points[i].Image[0]) * w;
            var dy = (y - points[i].Image[1]) * h;
            errors[i] = Math.Round(Math.Sqrt((dx * dx) + (dy * dy)), 2);
            sum += (dx * dx) + (dy * dy);
        }

        var world = points.Select(p => (p.World[0], p.World[1])).ToList();
        return new CalibrationReport(Math.Round(homography.RmsError, 4), Math.Round(Math.Sqrt(sum / points.Count), 2), errors, Grid(homography, world), null);
    }

    /// <summary>
    /// The lines x = k and y = k metres (k whole) around the calibration points, mapped into the image; only the parts on
    /// the calibrated side of the horizon and near the frame are kept, so a wrong calibration shows as a warped grid.
    /// </summary>
    public static IReadOnlyList<float[]> Grid(Homography homography, IReadOnlyList<(double X, double Y)> world)
    {
        ArgumentNullException.ThrowIfNull(homography);
        ArgumentNullException.ThrowIfNull(world);
        var (minX, maxX) = (world.Min(p => p.X), world.Max(p => p.X));
        var (minY, maxY) = (world.Min(p => p.Y), world.Max(p => p.Y));
        var margin = Math.Max(5, 0.5 * Math.Max(maxX - minX, maxY - minY));
        (minX, maxX, minY, maxY) = (Math.Floor(minX - margin), Math.Ceiling(maxX + margin), Math.Floor(minY - margin), Math.Ceiling(maxY + margin));
        var lines = new List<float[]>();
        var stepX = Math.Max(1, Math.Ceiling((maxX - minX) / MaxLines));
        var stepY = Math.Max(1, Math.Ceiling((maxY - minY) / MaxLines));
        for (var x = minX; x <= maxX; x += stepX)
        {
            Trace(homography, t => (x, minY + (t * (maxY - minY))), lines);
        }

        for (var y = minY; y <= maxY; y += stepY)
        {
            Trace(homography, t => (minX + (t * (maxX - minX)), y), lines);
        }

        return lines;
    }

    // Samples one ground line into image polylines, split where it leaves the visible ground.
    private static void Trace(Homography homography, Func<double, (double X, double Y)> at, List<float[]> lines)
    {
        var current = new List<float>();
        for (var s = 0; s <= Samples; s++)
        {
            var (gx, gy) = at(s / (double)Samples);
            var (x, y) = homography.ToImage(gx, gy);
            var visible = double.IsFinite(x) && double.IsFinite(y) && homography.IsInFront(x, y) && x is > -0.1 and < 1.1 && y is > -0.1 and < 1.1;
            if (visible)
            {
                current.Add((float)Math.Round(x, 4));
                current.Add((float)Math.Round(y, 4));
            }
            else
            {
                Flush(current, lines);
            }
        }

        Flush(current, lines);
    }

    private static void Flush(List<float> current, List<float[]> lines)
    {
        if (current.Count >= 4)
        {
            lines.Add([.. current]);
        }

        current.Clear();
    }
}
