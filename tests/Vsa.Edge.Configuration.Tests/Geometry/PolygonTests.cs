using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Configuration.Tests.Geometry;

public sealed class PolygonTests
{
    private static readonly Polygon Square = Poly((0.2f, 0.2f), (0.6f, 0.2f), (0.6f, 0.6f), (0.2f, 0.6f));

    // A "U": the notch between x 0.4..0.6 above y 0.5 is outside.
    private static readonly Polygon UShape = Poly((0.2f, 0.2f), (0.4f, 0.2f), (0.4f, 0.5f), (0.6f, 0.5f), (0.6f, 0.2f), (0.8f, 0.2f), (0.8f, 0.8f), (0.2f, 0.8f));

    [Theory]
    [InlineData(0.4f, 0.4f, true)]
    [InlineData(0.1f, 0.4f, false)]
    [InlineData(0.7f, 0.4f, false)]
    [InlineData(0.4f, 0.9f, false)]
    [InlineData(0.59f, 0.21f, true)]
    public void Contains_ConvexSquare_MatchesInterior(float x, float y, bool expected)
    {
        Assert.Equal(expected, Square.Contains(new PointF(x, y)));
    }

    [Theory]
    [InlineData(0.5f, 0.3f, false)] // in the notch
    [InlineData(0.5f, 0.6f, true)] // below the notch
    [InlineData(0.3f, 0.3f, true)] // left arm
    [InlineData(0.7f, 0.3f, true)] // right arm
    [InlineData(0.5f, 0.1f, false)] // above everything
    [InlineData(0.5f, 0.2f, false)] // on the ray through two vertices at the notch's top
    public void Contains_ConcaveU_NotchIsOutside(float x, float y, bool expected)
    {
        Assert.Equal(expected, UShape.Contains(new PointF(x, y)));
    }

    [Theory]
    [InlineData(0.4f, 0.2f)] // top edge
    [InlineData(0.6f, 0.45f)] // right edge
    [InlineData(0.2f, 0.6f)] // vertex
    [InlineData(0.5f, 0.5f)] // U: bottom of the notch
    public void Contains_PointOnEdgeOrVertex_IsInside(float x, float y)
    {
        var polygon = x == 0.5f ? UShape : Square;

        Assert.True(polygon.Contains(new PointF(x, y)));
    }

    [Fact]
    public void Contains_DiagonalEdgePoint_IsInside()
    {
        var triangle = Poly((0f, 0f), (1f, 0f), (0f, 1f));

        Assert.True(triangle.Contains(new PointF(0.5f, 0.5f)));
        Assert.False(triangle.Contains(new PointF(0.51f, 0.51f)));
    }

    [Fact]
    public void IsSelfIntersecting_BowTie_IsTrue()
    {
        var bowTie = Poly((0.1f, 0.1f), (0.9f, 0.9f), (0.9f, 0.1f), (0.1f, 0.9f));

        Assert.True(bowTie.IsSelfIntersecting);
    }

    [Fact]
    public void IsSelfIntersecting_SimplePolygons_AreFalse()
    {
        Assert.False(Square.IsSelfIntersecting);
        Assert.False(UShape.IsSelfIntersecting);
    }

    [Fact]
    public void IsSelfIntersecting_VertexTouchingAnotherEdge_IsTrue()
    {
        // The fourth vertex lies on the first edge.
        var touching = Poly((0f, 0f), (1f, 0f), (1f, 1f), (0.5f, 0f), (0f, 1f));

        Assert.True(touching.IsSelfIntersecting);
    }

    [Fact]
    public void IsSelfIntersecting_SpikeFoldingBack_IsTrue()
    {
        // Goes out to (0.9, 0.5) and straight back along the same line.
        var spike = Poly((0.1f, 0.1f), (0.5f, 0.1f), (0.5f, 0.5f), (0.9f, 0.5f), (0.7f, 0.5f), (0.1f, 0.5f));

        Assert.True(spike.IsSelfIntersecting);
    }

    [Fact]
    public void Area_SquareAndTriangle_AreExactWhateverTheOrientation()
    {
        var clockwise = Poly((0.2f, 0.6f), (0.6f, 0.6f), (0.6f, 0.2f), (0.2f, 0.2f));
        var triangle = Poly((0f, 0f), (1f, 0f), (0f, 1f));

        Assert.Equal(0.16, Square.Area, 6);
        Assert.Equal(0.16, clockwise.Area, 6);
        Assert.Equal(0.5, triangle.Area, 6);
        Assert.Equal((0.6 * 0.6) - (0.2 * 0.3), UShape.Area, 6);
    }

    [Fact]
    public void Contains_FewerThanThreeVertices_IsFalse()
    {
        var segment = Poly((0f, 0f), (1f, 1f));

        Assert.False(segment.Contains(new PointF(0.5f, 0.5f)));
        Assert.Equal(0, segment.Area);
    }

    [Fact]
    public void Contains_ManyCalls_AllocatesNothing()
    {
        var p = new PointF(0.5f, 0.6f);
        UShape.Contains(p);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var hits = 0;
        for (var i = 0; i < 1000; i++)
        {
            hits += UShape.Contains(p) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1000, hits);
    }

    private static Polygon Poly(params (float X, float Y)[] points) => new(points.Select(p => new PointF(p.X, p.Y)).ToArray());
}
