namespace Vsa.Edge.Configuration.Geometry;

/// <summary>
/// A plane-to-plane projective map from frame-normalised image coordinates to ground coordinates in metres, fitted
/// with the normalised direct linear transform (Hartley): both point sets are centred and scaled to a mean distance
/// of √2, the 8 unknowns (h33 = 1) are solved by least squares, and the result is de-normalised. After the image
/// normalisation the origin is the centroid of the calibration points, which lies on the visible ground, so fixing
/// h33 there never divides by a vanishing term.
/// </summary>
public sealed class Homography
{
    /// <summary>Minimum |sin| of the angle at a vertex for three normalised points to count as non-collinear.</summary>
    private const double CollinearTolerance = 1e-3;

    private readonly double[] _h;
    private readonly double[] _inverse;

    private Homography(double[] h, double[] inverse, int frontSign)
    {
        _h = h;
        _inverse = inverse;
        FrontSign = frontSign;
    }

    /// <summary>Sign of the projective denominator on the calibrated ground; image points with the other sign lie beyond the horizon.</summary>
    public int FrontSign { get; }

    /// <summary>Root-mean-square distance, in metres, between the world points and the image points mapped by the fit.</summary>
    public double RmsError { get; private set; }

    /// <summary>
    /// Fits the map from at least four correspondences; false with a reason that starts with the field it concerns (duplicates, collinear points, no unique
    /// solution, points straddling the horizon) when the points cannot define a homography.
    /// </summary>
    public static bool TryFit(IReadOnlyList<(double X, double Y)> image, IReadOnlyList<(double X, double Y)> world, out Homography? homography, out string problem)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(world);
        homography = null;
        var n = image.Count;
        if (n < 4 || world.Count != n)
        {
            problem = $"points: needs at least 4 image/world point pairs, got {Math.Min(n, world.Count)}";
            return false;
        }

        var (ti, ni) = Normalise(image);
        var (tw, nw) = Normalise(world);
        if (Degenerate(ni, "image", out problem) || Degenerate(nw, "world", out problem))
        {
            return false;
        }

        var a = new double[2 * n * 8];
        var b = new double[2 * n];
        for (var i = 0; i < n; i++)
        {
            var (x, y) = ni[i];
            var (u, v) = nw[i];
            var r0 = 2 * i * 8;
            var r1 = r0 + 8;
            (a[r0], a[r0 + 1], a[r0 + 2], a[r0 + 6], a[r0 + 7]) = (x, y, 1, -x * u, -y * u);
            (a[r1 + 3], a[r1 + 4], a[r1 + 5], a[r1 + 6], a[r1 + 7]) = (x, y, 1, -x * v, -y * v);
            (b[2 * i], b[(2 * i) + 1]) = (u, v);
        }

        var h8 = new double[8];
        if (!LinearSolver.TryLeastSquares(a, b, 2 * n, 8, h8))
        {
            problem = "points: degenerate, they do not determine a unique ground plane";
            return false;
        }

        double[] hn = [h8[0], h8[1], h8[2], h8[3], h8[4], h8[5], h8[6], h8[7], 1];
        var h = Multiply(Invert(tw)!, Multiply(hn, ti));
        var inverse = Invert(h);
        if (inverse is null || h[8] == 0)
        {
            problem = "points: degenerate, the fitted map is singular";
            return false;
        }

        for (var k = 0; k < 9; k++)
        {
            h[k] /= h[8];
        }

        inverse = Invert(h)!;
        var sign = 0;
        for (var i = 0; i < n; i++)
        {
            var w = (h[6] * image[i].X) + (h[7] * image[i].Y) + h[8];
            var s = Math.Sign(w);
            if (s == 0 || (sign != 0 && s != sign))
            {
                problem = $"points[{i}]: degenerate, lies on the other side of the horizon from the other points";
                return false;
            }

            sign = s;
        }

        homography = new Homography(h, inverse, sign);
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            var (X, Y) = homography.ToWorld(image[i].X, image[i].Y);
            sum += Square(X - world[i].X) + Square(Y - world[i].Y);
        }

        homography.RmsError = Math.Sqrt(sum / n);
        problem = string.Empty;
        return true;
    }

    /// <summary>Ground point (metres) seen at the image point (frame-normalised).</summary>
    public (double X, double Y) ToWorld(double x, double y) => Apply(_h, x, y);

    /// <summary>Image point (frame-normalised) where the ground point (metres) appears.</summary>
    public (double X, double Y) ToImage(double x, double y) => Apply(_inverse, x, y);

    /// <summary>Whether an image point lies on the calibrated side of the horizon (its ground position is meaningful).</summary>
    public bool IsInFront(double x, double y) => Math.Sign((_h[6] * x) + (_h[7] * y) + _h[8]) == FrontSign;

    /// <summary>
    /// Ground area (m²) of an image polygon; a homography maps straight edges to straight edges, so the shoelace
    /// formula on the mapped vertices is exact as long as every vertex is in front (<see cref="IsInFront"/>).
    /// </summary>
    public double Area(IReadOnlyList<PointF> polygon)
    {
        ArgumentNullException.ThrowIfNull(polygon);
        double twice = 0;
        for (int i = 0, j = polygon.Count - 1; i < polygon.Count; j = i++)
        {
            var (xj, yj) = ToWorld(polygon[j].X, polygon[j].Y);
            var (xi, yi) = ToWorld(polygon[i].X, polygon[i].Y);
            twice += (xj * yi) - (xi * yj);
        }

        return Math.Abs(twice) / 2;
    }

    private static (double X, double Y) Apply(double[] m, double x, double y)
    {
        var w = (m[6] * x) + (m[7] * y) + m[8];
        return (((m[0] * x) + (m[1] * y) + m[2]) / w, ((m[3] * x) + (m[4] * y) + m[5]) / w);
    }

    /// <summary>Hartley normalisation: the similarity moving the centroid to 0 and the mean distance to √2, and the moved points.</summary>
    private static (double[] T, (double X, double Y)[] Points) Normalise(IReadOnlyList<(double X, double Y)> points)
    {
        double cx = 0, cy = 0;
        foreach (var (x, y) in points)
        {
            cx += x;
            cy += y;
        }

        cx /= points.Count;
        cy /= points.Count;
        var mean = 0.0;
        foreach (var (x, y) in points)
        {
            mean += Math.Sqrt(Square(x - cx) + Square(y - cy));
        }

        mean /= points.Count;
        var s = mean > 0 ? Math.Sqrt(2) / mean : 1;
        var moved = new (double X, double Y)[points.Count];
        for (var i = 0; i < moved.Length; i++)
        {
            moved[i] = ((points[i].X - cx) * s, (points[i].Y - cy) * s);
        }

        return ([s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1], moved);
    }

    /// <summary>Duplicates, all points on one line, or (with exactly four) three on one line: no unique homography.</summary>
    private static bool Degenerate((double X, double Y)[] p, string side, out string problem)
    {
        for (var i = 0; i < p.Length; i++)
        {
            for (var j = i + 1; j < p.Length; j++)
            {
                if (Math.Sqrt(Square(p[i].X - p[j].X) + Square(p[i].Y - p[j].Y)) < 1e-6)
                {
                    problem = $"points[{j}].{side}: duplicates points[{i}].{side} (degenerate)";
                    return true;
                }
            }
        }

        var allCollinear = true;
        for (var k = 2; k < p.Length && allCollinear; k++)
        {
            allCollinear = Collinear(p[0], p[1], p[k]);
        }

        if (allCollinear)
        {
            problem = $"points: degenerate, all {side} points lie on one line";
            return true;
        }

        if (p.Length == 4)
        {
            for (var skip = 0; skip < 4; skip++)
            {
                int a = skip == 0 ? 1 : 0, b = skip <= 1 ? 2 : 1, c = skip <= 2 ? 3 : 2;
                if (Collinear(p[a], p[b], p[c]))
                {
                    problem = $"points: degenerate, {side} points {a}, {b} and {c} are collinear (with four points, no three may be)";
                    return true;
                }
            }
        }

        problem = string.Empty;
        return false;
    }

    private static bool Collinear((double X, double Y) a, (double X, double Y) b, (double X, double Y) c)
    {
        var (abx, aby, acx, acy) = (b.X - a.X, b.Y - a.Y, c.X - a.X, c.Y - a.Y);
        var cross = Math.Abs((abx * acy) - (aby * acx));
        return cross <= CollinearTolerance * Math.Sqrt((Square(abx) + Square(aby)) * (Square(acx) + Square(acy)));
    }

    private static double[] Multiply(double[] l, double[] r)
    {
        var m = new double[9];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                m[(i * 3) + j] = (l[i * 3] * r[j]) + (l[(i * 3) + 1] * r[3 + j]) + (l[(i * 3) + 2] * r[6 + j]);
            }
        }

        return m;
    }

    private static double[]? Invert(double[] m)
    {
        var c00 = (m[4] * m[8]) - (m[5] * m[7]);
        var c01 = (m[5] * m[6]) - (m[3] * m[8]);
        var c02 = (m[3] * m[7]) - (m[4] * m[6]);
        var det = (m[0] * c00) + (m[1] * c01) + (m[2] * c02);
        var scale = 0.0;
        foreach (var v in m)
        {
            scale = Math.Max(scale, Math.Abs(v));
        }

        if (!double.IsFinite(det) || Math.Abs(det) <= 1e-12 * scale * scale * scale)
        {
            return null;
        }

        return
        [
            c00 / det, ((m[2] * m[7]) - (m[1] * m[8])) / det, ((m[1] * m[5]) - (m[2] * m[4])) / det,
            c01 / det, ((m[0] * m[8]) - (m[2] * m[6])) / det, ((m[2] * m[3]) - (m[0] * m[5])) / det,
            c02 / det, ((m[1] * m[6]) - (m[0] * m[7])) / det, ((m[0] * m[4]) - (m[1] * m[3])) / det,
        ];
    }

    private static double Square(double v) => v * v;
}
