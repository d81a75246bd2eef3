using Vsa.Edge.Agent.Core.Detection;
using Det = Vsa.Edge.Agent.Core.Detection.Detection;

namespace Vsa.Edge.Agent.Core.Tests.Detection;

public sealed class NmsTests
{
    [Fact]
    public void Apply_OverlappingSameClass_KeepsHighestScore()
    {
        var list = new List<Det>
        {
            new(new NormBox(0.1f, 0.1f, 0.2f, 0.2f), 0, 0.7f),
            new(new NormBox(0.11f, 0.1f, 0.2f, 0.2f), 0, 0.9f),
        };

        Nms.Apply(list, 0.6f);

        var kept = Assert.Single(list);
        Assert.Equal(0.9f, kept.Score);
    }

    [Fact]
    public void Apply_OverlappingDifferentClasses_KeepsBoth()
    {
        var list = new List<Det>
        {
            new(new NormBox(0.1f, 0.1f, 0.2f, 0.2f), 0, 0.7f),
            new(new NormBox(0.1f, 0.1f, 0.2f, 0.2f), 2, 0.9f),
        };

        Nms.Apply(list, 0.6f);

        Assert.Equal(2, list.Count);
    }

    [Fact]
    public void Apply_OverlapBelowThreshold_KeepsBoth()
    {
        // IoU of two 0.2-wide boxes shifted by 0.1: 0.02 / 0.06 = 1/3.
        var list = new List<Det>
        {
            new(new NormBox(0.1f, 0.1f, 0.2f, 0.2f), 0, 0.7f),
            new(new NormBox(0.2f, 0.1f, 0.2f, 0.2f), 0, 0.9f),
        };

        Nms.Apply(list, 0.4f);
        Assert.Equal(2, list.Count);

        Nms.Apply(list, 0.3f);
        Assert.Single(list);
    }

    [Fact]
    public void Apply_Mixed_ResultSortedByScoreDescending()
    {
        var list = new List<Det>
        {
            new(new NormBox(0.0f, 0.0f, 0.1f, 0.1f), 0, 0.5f),
            new(new NormBox(0.5f, 0.5f, 0.1f, 0.1f), 1, 0.95f),
            new(new NormBox(0.01f, 0.0f, 0.1f, 0.1f), 0, 0.6f),
            new(new NormBox(0.8f, 0.1f, 0.1f, 0.1f), 0, 0.7f),
        };

        Nms.Apply(list, 0.6f);

        Assert.Equal([0.95f, 0.7f, 0.6f], list.Select(d => d.Score));
    }

    [Fact]
    public void Apply_ChainOfOverlaps_SuppressedBoxDoesNotSuppressOthers()
    {
        // A overlaps B, B overlaps C, A does not overlap C: greedy NMS keeps A and C.
        var list = new List<Det>
        {
            new(new NormBox(0.00f, 0f, 0.2f, 0.2f), 0, 0.9f),
            new(new NormBox(0.05f, 0f, 0.2f, 0.2f), 0, 0.8f),
            new(new NormBox(0.10f, 0f, 0.2f, 0.2f), 0, 0.7f),
        };

        Nms.Apply(list, 0.5f);

        Assert.Equal([0.9f, 0.7f], list.Select(d => d.Score));
    }
}
