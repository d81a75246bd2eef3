using Vsa.Edge.Agent.Setup;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Tests.Setup;

public sealed class CalibrationPreviewTests
{
    // A ground rectangle 10 m wide and 20 m deep seen in perspective (a trapezoid narrowing towards the horizon).
    private static readonly (double[] Image, double[] World)[] Trapezoid =
    [
        ([0.2, 0.9], [0, 0]),
        ([0.8, 0.9], [10, 0]),
        ([0.65, 0.45], [10, 20]),
        ([0.35, 0.45], [0, 20]),
    ];

    private static CalibrationConfig Calibration(IEnumerable<(double[] Image, double[] World)> points) =>
        new([.. points.Select(p => new CalibrationPointConfig(p.Image, p.World))]);

    [Fact]
    public void Compute_FourExactPoints_ZeroReprojectionError()
    {
        var report = CalibrationPreview.Compute(Calibration(Trapezoid), 768, 576)!;

        Assert.Null(report.Problem);
        Assert.Equal(0, report.RmsPixels!.Value, 3);
        Assert.Equal(0, report.RmsMetres!.Value, 3);
        Assert.All(report.PointErrorsPixels, e => Assert.Equal(0, e, 2));
    }

    [Fact]
    public void Compute_FifthPointOffByTwelvePixels_ErrorShowsInPixelsAndMetres()
    {
        // The centre of the rectangle (5, 10) m, where the fit maps it, then moved 12 px right in a 768-px-wide frame.
        var exact = Calibration(Trapezoid).TryFit(out _)!;
        var (cx, cy) = exact.ToImage(5, 10);
        var report = CalibrationPreview.Compute(Calibration([.. Trapezoid, ([cx + (12.0 / 768), cy], [5, 10])]), 768, 576)!;

        Assert.Null(report.Problem);
        Assert.Equal(5, report.PointErrorsPixels.Count);
        Assert.InRange(report.RmsPixels!.Value, 1, 12);
        Assert.InRange(report.RmsMetres!.Value, 0.05, 2);
        Assert.Equal(report.PointErrorsPixels.Max(), report.PointErrorsPixels[4]);
    }

    [Fact]
    public void Compute_ThreePoints_SaysFourAreNeeded()
    {
        var report = CalibrationPreview.Compute(Calibration(Trapezoid.Take(3)), 768, 576)!;

        Assert.Contains("at least 4", report.Problem, StringComparison.Ordinal);
        Assert.Null(report.RmsPixels);
        Assert.Empty(report.Grid);
    }

    [Fact]
    public void Compute_ThreeCollinearImagePoints_NamesTheDegeneracy()
    {
        var report = CalibrationPreview.Compute(Calibration([([0.1, 0.9], [0, 0]), ([0.5, 0.9], [5, 0]), ([0.9, 0.9], [10, 0]), ([0.5, 0.5], [5, 20])]), 768, 576)!;

        Assert.Contains("collinear", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Grid_WholeMetreLines_PassThroughTheCalibrationPointsAndStayBelowTheHorizon()
    {
        var homography = Calibration(Trapezoid).TryFit(out _)!;

        var grid = CalibrationPreview.Grid(homography, [.. Trapezoid.Select(p => (p.World[0], p.World[1]))]);

        Assert.NotEmpty(grid);
        foreach (var (image, _) in Trapezoid)
        {
            // Each corner lies on the grid lines x = 0|10 and y = 0|20: some sampled segment passes within a pixel of it.
            var nearest = grid.Min(line => Nearest(line, image[0], image[1]));
            Assert.True(nearest * 768 < 1.5, $"no grid line through ({image[0]}, {image[1]}): {nearest * 768:F2} px");
        }

        Assert.All(grid, line =>
        {
            for (var i = 0; i < line.Length; i += 2)
            {
                Assert.True(homography.IsInFront(line[i], line[i + 1]));
            }
        });
    }

    // Distance from a point to a polyline given as flat [x0, y0, x1, y1, …].
    private static double Nearest(float[] line, double x, double y)
    {
        var best = double.MaxValue;
        for (var i = 0; i + 3 < line.Length; i += 2)
        {
            double ax = line[i], ay = line[i + 1], bx = line[i + 2], by = line[i + 3];
            var (dx, dy) = (bx - ax, by - ay);
            var t = Math.Clamp((((x - ax) * dx) + ((y - ay) * dy)) / Math.Max(1e-12, (dx * dx) + (dy * dy)), 0, 1);
            best = Math.Min(best, Math.Sqrt(Math.Pow(ax + (t * dx) - x, 2) + Math.Pow(ay + (t * dy) - y, 2)));
        }

        return best;
    }
}
