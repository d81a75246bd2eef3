namespace Vsa.Edge.Configuration.Geometry;

/// <summary>A point in frame-normalised coordinates.</summary>
/// <param name="X">Horizontal, 0 left to 1 right.</param>
/// <param name="Y">Vertical, 0 top to 1 bottom.</param>
public readonly record struct PointF(float X, float Y);

/// <summary>
/// A polygon (zone) in frame-normalised coordinates, implicitly closed. <see cref="Contains"/> runs on every track of
/// every frame, so it allocates nothing and uses a precomputed bounding box to reject far points quickly.
/// </summary>
public sealed class Polygon
{
    /// <summary>Distance under which a point counts as on an edge (normalised units: about a thousandth of a pixel on 4K).</summary>
    internal const double EdgeTolerance = 1e-6;

    private readonly PointF[] _vertices;
    private readonly float _minX;
    private readonly float _minY;
    private readonly float _maxX;
    private readonly float _maxY;

    /// <summary>Creates the polygon; the last vertex connects back to the first.</summary>
    public Polygon(IReadOnlyList<PointF> vertices)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        _vertices = new PointF[vertices.Count];
        _minX = _minY = float.PositiveInfinity;
        _maxX = _maxY = float.NegativeInfinity;
        for (var i = 0; i < _vertices.Length; i++)
        {
            var v = vertices[i];
            _vertices[i] = v;
            _minX = MathF.Min(_minX, v.X);
            _minY = MathF.Min(_minY, v.Y);
            _maxX = MathF.Max(_maxX, v.X);
            _maxY = MathF.Max(_maxY, v.Y);
        }

        Area = ComputeArea(_vertices);
        IsSelfIntersecting = ComputeSelfIntersecting(_vertices);
    }

    /// <summary>The vertices, in order.</summary>
    public IReadOnlyList<PointF> Vertices => _vertices;

    /// <summary>Whether two edges cross or touch other than at their shared vertex (a bow-tie, a spike folding back).</summary>
    public bool IsSelfIntersecting { get; }

    /// <summary>Enclosed area (shoelace formula, absolute value), in normalised units.</summary>
    public double Area { get; }

    /// <summary>Whether <paramref name="p"/> is inside; a point on an edge or a vertex counts as inside.</summary>
    public bool Contains(PointF p)
    {
        var n = _vertices.Length;
        if (n < 3 || p.X < _minX - EdgeTolerance || p.X > _maxX + EdgeTolerance || p.Y < _minY - EdgeTolerance || p.Y > _maxY + EdgeTolerance)
        {
            return false;
        }

        var inside = false;
        for (int i = 0, j = n - 1; i < n; j = i++)
        {
            var a = _vertices[j];
            var b = _vertices[i];
            if (OnSegment(a, b, p))
            {
                return true;
            }

            // Even-odd rule with a horizontal ray to the right; the half-open test counts a vertex on the ray once.
            if ((b.Y > p.Y) != (a.Y > p.Y))
            {
                var xCross = b.X + ((double)(p.Y - b.Y) * (a.X - b.X) / (a.Y - b.Y));
                if (p.X < xCross)
                {
                    inside = !inside;
                }
            }
        }

        return inside;
    }

    private static double ComputeArea(PointF[] v)
    {
        double twice = 0;
        for (int i = 0, j = v.Length - 1; i < v.Length; j = i++)
        {
            twice += ((double)v[j].X * v[i].Y) - ((double)v[i].X * v[j].Y);
        }

        return Math.Abs(twice) / 2;
    }

    private static bool ComputeSelfIntersecting(PointF[] v)
    {
        var n = v.Length;
        if (n < 3)
        {
            return false;
        }

        for (var i = 0; i < n; i++)
        {
            var a1 = v[i];
            var a2 = v[(i + 1) % n];
            for (var j = i + 1; j < n; j++)
            {
                var b1 = v[j];
                var b2 = v[(j + 1) % n];
                var adjacent = j == i + 1 || (i == 0 && j == n - 1);
                if (adjacent)
                {
                    // Neighbours share a vertex by construction; they only intersect if they fold back onto each other.
                    var shared = j == i + 1 ? a2 : a1;
                    var otherA = j == i + 1 ? a1 : a2;
                    var otherB = j == i + 1 ? b2 : b1;
                    if (Cross(shared, otherA, otherB) == 0 && Dot(shared, otherA, otherB) > 0)
                    {
                        return true;
                    }

                    continue;
                }

                if (SegmentsIntersect(a1, a2, b1, b2))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool SegmentsIntersect(PointF p1, PointF p2, PointF q1, PointF q2)
    {
        var d1 = Math.Sign(Cross(p1, p2, q1));
        var d2 = Math.Sign(Cross(p1, p2, q2));
        var d3 = Math.Sign(Cross(q1, q2, p1));
        var d4 = Math.Sign(Cross(q1, q2, p2));
        if (d1 * d2 < 0 && d3 * d4 < 0)
        {
            return true;
        }

        return (d1 == 0 && WithinBox(p1, p2, q1)) || (d2 == 0 && WithinBox(p1, p2, q2))
            || (d3 == 0 && WithinBox(q1, q2, p1)) || (d4 == 0 && WithinBox(q1, q2, p2));
    }

    /// <summary>Z of (b − o) × (c − o), in double so nearly collinear vertices are judged consistently.</summary>
    private static double Cross(PointF o, PointF b, PointF c) =>
        (((double)b.X - o.X) * ((double)c.Y - o.Y)) - (((double)b.Y - o.Y) * ((double)c.X - o.X));

    private static double Dot(PointF o, PointF b, PointF c) =>
        (((double)b.X - o.X) * ((double)c.X - o.X)) + (((double)b.Y - o.Y) * ((double)c.Y - o.Y));

    private static bool WithinBox(PointF a, PointF b, PointF p) =>
        p.X >= Math.Min(a.X, b.X) && p.X <= Math.Max(a.X, b.X) && p.Y >= Math.Min(a.Y, b.Y) && p.Y <= Math.Max(a.Y, b.Y);

    private static bool OnSegment(PointF a, PointF b, PointF p)
    {
        var dx = (double)b.X - a.X;
        var dy = (double)b.Y - a.Y;
        var lengthSquared = (dx * dx) + (dy * dy);
        if (lengthSquared == 0)
        {
            return Math.Abs(p.X - a.X) <= EdgeTolerance && Math.Abs(p.Y - a.Y) <= EdgeTolerance;
        }

        var t = ((((double)p.X - a.X) * dx) + (((double)p.Y - a.Y) * dy)) / lengthSquared;
        if (t < 0 || t > 1)
        {
            return false;
        }

        var ex = a.X + (t * dx) - p.X;
        var ey = a.Y + (t * dy) - p.Y;
        return (ex * ex) + (ey * ey) <= EdgeTolerance * EdgeTolerance;
    }
}
