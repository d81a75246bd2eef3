using Vsa.Edge.Agent.Core.Detection;

namespace Vsa.Edge.Agent.Core.Tests.Detection;

public sealed class InputTransformTests
{
    [Fact]
    public void Stretch_InputCorners_MapToFrameCorners()
    {
        var t = InputTransform.Stretch(640, 480, 416, 416);

        var box = t.ToFrame(0f, 0f, 416f, 416f);

        Assert.Equal(new NormBox(0f, 0f, 1f, 1f), box);
        Assert.Equal(0.65f, t.ScaleX, 5);
        Assert.Equal(416f / 480f, t.ScaleY, 5);
    }

    [Fact]
    public void Letterbox_WideFrame_PadsTopAndBottomEqually()
    {
        var t = InputTransform.Letterbox(640, 480, 416, 416);

        // 640×480 scaled by 0.65 → 416×312, so 104 rows of padding split 52/52.
        Assert.Equal(0f, t.PadX);
        Assert.Equal(52f, t.PadY);
        Assert.Equal((416, 312), t.ContentSize);
        var content = t.ToFrame(0f, 52f, 416f, 364f);
        Assert.Equal(0f, content.X, 5);
        Assert.Equal(0f, content.Y, 5);
        Assert.Equal(1f, content.Width, 5);
        Assert.Equal(1f, content.Height, 5);
    }

    [Fact]
    public void ToFrame_BoxPastTheEdges_IsClampedToUnitSquare()
    {
        var t = InputTransform.Letterbox(640, 480, 416, 416);

        var box = t.ToFrame(-30f, 10f, 500f, 400f);

        Assert.Equal(0f, box.X);
        Assert.Equal(0f, box.Y);
        Assert.Equal(1f, box.Right, 5);
        Assert.Equal(1f, box.Bottom, 5);
    }

    [Fact]
    public void Stretch_ZeroFrameSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => InputTransform.Stretch(0, 480, 416, 416));
    }
}
