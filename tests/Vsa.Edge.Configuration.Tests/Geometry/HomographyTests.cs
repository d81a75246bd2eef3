using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Configuration.Tests.Geometry;

public sealed class HomographyTests
{
    /// <summary>A 10 m × 10 m square on the ground seen in perspective: the far edge is narrower and higher in the frame.</summary>
    private static readonly (double X, double Y)[] SquareImage = [(0.3, 0.4), (0.7, 0.4), (0.9, 0.9), (0.1, 0.9)];
    private static readonly (double X, double Y)[] SquareWorld = [(0, 10), (10, 10), (10, 0), (0, 0)];

    [Fact]
    public void TryFit_FourPerspectivePoints_MapsThemBothWaysWithin1e6()
    {
        var h = Fit(SquareImage, SquareWorld);

        for (var i = 0; i < 4; i++)
        {
            var (x, y) = h.ToWorld(SquareImage[i].X, SquareImage[i].Y);
            Assert.Equal(SquareWorld[i].X, x, 1e-6);
            Assert.Equal(SquareWorld[i].Y, y, 1e-6);
            var (u, v) = h.ToImage(SquareWorld[i].X, SquareWorld[i].Y);
            Assert.Equal(SquareImage[i].X, u, 1e-6);
            Assert.Equal(SquareImage[i].Y, v, 1e-6);
        }

        Assert.True(h.RmsError < 1e-9);
    }

    [Fact]
    public void Area_TenMetreSquareSeenInPerspective_Is100SquareMetres()
    {
        var h = Fit(SquareImage, SquareWorld);

        var area = h.Area([.. SquareImage.Select(p => new PointF((float)p.X, (float)p.Y))]);

        Assert.Equal(100, area, 1e-3); // float vertices: about 1e-7 relative
    }

    [Fact]
    public void TryFit_EightPointsOfAPinholeCamera_RecoversUnseenPointsWithin1e6()
    {
        // Ground truth: a camera 5 m high, pitched down 35°, focal 0.9 frame widths.
        var truth = PinholeToImage(height: 5, pitchDegrees: 35, focal: 0.9);
        (double X, double Y)[] world = [(-4, 6), (4, 6), (-6, 14), (6, 14), (0, 9), (-2, 20), (3, 11), (5, 18)];
        var image = world.Select(w => truth(w.X, w.Y)).ToArray();

        var h = Fit(image, world);

        foreach (var (x, y) in (ReadOnlySpan<(double, double)>)[(1, 7), (-3, 16), (2.5, 12.5)])
        {
            var (u, v) = truth(x, y);
            var (gx, gy) = h.ToWorld(u, v);
            Assert.Equal(x, gx, 1e-6);
            Assert.Equal(y, gy, 1e-6);
        }
    }

    [Fact]
    public void TryFit_NoisyOverdeterminedPoints_LeastSquaresStaysClose()
    {
        var truth = PinholeToImage(height: 4, pitchDegrees: 30, focal: 1.0);
        var random = new Random(7);
        (double X, double Y)[] world = [(-3, 5), (3, 5), (-5, 12), (5, 12), (0, 8), (-2, 16), (2, 16), (4, 9), (-4, 9), (0, 14)];
        var image = world.Select(w => truth(w.X, w.Y)).Select(p => (p.X + ((random.NextDouble() - 0.5) * 0.002), p.Y + ((random.NextDouble() - 0.5) * 0.002))).ToArray();

        var h = Fit(image, world);

        Assert.InRange(h.RmsError, 1e-6, 0.2); // ±1 px at 1000 px: centimetres to decimetres on the ground
        var (gx, gy) = h.ToWorld(truth(1, 10).X, truth(1, 10).Y);
        Assert.Equal(1, gx, 0.2);
        Assert.Equal(10, gy, 0.2);
    }

    [Theory]
    [InlineData(new[] { 0.1, 0.9, 0.5, 0.9, 0.9, 0.9, 0.5, 0.4 }, "points: degenerate, image points 0, 1 and 2 are collinear")]
    [InlineData(new[] { 0.1, 0.9, 0.1, 0.9, 0.9, 0.9, 0.5, 0.4 }, "points[1].image: duplicates points[0].image")]
    [InlineData(new[] { 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4 }, "points: degenerate, all image points lie on one line")]
    public void TryFit_DegenerateImagePoints_ReasonNamesThem(double[] coordinates, string expected)
    {
        var image = Enumerable.Range(0, 4).Select(i => (coordinates[2 * i], coordinates[(2 * i) + 1])).ToArray();

        Assert.False(Homography.TryFit(image, SquareWorld, out var h, out var problem));

        Assert.Null(h);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryFit_ThreePoints_Rejected()
    {
        Assert.False(Homography.TryFit(SquareImage[..3], SquareWorld[..3], out _, out var problem));

        Assert.Equal("points: needs at least 4 image/world point pairs, got 3", problem);
    }

    [Fact]
    public void TryFit_FivePointsFourOfThemCollinear_NoUniqueSolution()
    {
        // Any three are not all collinear, so the quick checks pass; the linear system itself is rank-deficient.
        (double X, double Y)[] world = [(0, 0), (2, 0), (5, 0), (9, 0), (3, 8)];
        var h0 = Fit(SquareImage, SquareWorld);
        var image = world.Select(w => h0.ToImage(w.X, w.Y)).ToArray();

        Assert.False(Homography.TryFit(image, world, out _, out var problem));

        Assert.StartsWith("points: degenerate", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void IsInFront_PointAboveTheHorizon_False()
    {
        // Steep trapezoid: its sides meet at y ≈ 0.37, the horizon.
        var h = Fit([(0.4, 0.5), (0.6, 0.5), (0.9, 0.9), (0.1, 0.9)], SquareWorld);

        Assert.True(h.IsInFront(0.5, 0.6));
        Assert.True(h.IsInFront(0.5, 0.4));
        Assert.False(h.IsInFront(0.5, 0.2));
        Assert.True(double.IsNaN(new GroundPlane(h).ToGround(0.5, 0.2).X));
    }

    [Fact]
    public void GroundPlane_Uncalibrated_KeepsFrameUnitsAndSaysSo()
    {
        var plane = GroundPlane.Uncalibrated;
        var square = new Polygon([new PointF(0.25f, 0.25f), new PointF(0.75f, 0.25f), new PointF(0.75f, 0.75f), new PointF(0.25f, 0.75f)]);

        Assert.Equal((0.3, 0.4), plane.ToGround(0.3, 0.4));
        Assert.Equal(0.25, plane.Area(square), 1e-9);
        Assert.Equal(("frame", "frame/s"), (plane.DistanceUnit, plane.SpeedUnit));
        Assert.Equal(("m", "m/s"), (new GroundPlane(Fit(SquareImage, SquareWorld)).DistanceUnit, new GroundPlane(Fit(SquareImage, SquareWorld)).SpeedUnit));
    }

    private static Homography Fit((double X, double Y)[] image, (double X, double Y)[] world)
    {
        Assert.True(Homography.TryFit(image, world, out var h, out var problem), problem);
        return h!;
    }

    /// <summary>Ground (x right, y forward, metres) → normalised image point of a pinhole camera at the origin.</summary>
    private static Func<double, double, (double X, double Y)> PinholeToImage(double height, double pitchDegrees, double focal)
    {
        var pitch = pitchDegrees * Math.PI / 180;
        return (x, y) =>
        {
            // Camera frame: z along the optical axis, pitched down towards the ground; image y grows downwards.
            var zc = (y * Math.Cos(pitch)) + (height * Math.Sin(pitch));
            var yc = (height * Math.Cos(pitch)) - (y * Math.Sin(pitch));
            return (0.5 + (focal * x / zc), 0.5 + (focal * yc / zc));
        };
    }
}
