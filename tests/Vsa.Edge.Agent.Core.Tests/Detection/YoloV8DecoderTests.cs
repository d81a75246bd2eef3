using Vsa.Edge.Agent.Core.Detection;
using Det = Vsa.Edge.Agent.Core.Detection.Detection;

namespace Vsa.Edge.Agent.Core.Tests.Detection;

public sealed class YoloV8DecoderTests
{
    private const int Classes = 80;
    private const int Anchors = 300;

    [Fact]
    public void Decode_OneBoxStretch_GivesCornersOverInputSize()
    {
        var output = Output(transposed: false);
        Place(output, anchor: 37, cx: 320, cy: 240, w: 100, h: 200, classId: 2, score: 0.9f, transposed: false);
        var results = new List<Det>();

        new YoloV8Decoder(Classes).Decode([output], InputTransform.Stretch(1280, 720, 640, 640), 0.5f, results);

        var d = Assert.Single(results);
        Assert.Equal(2, d.ClassId);
        Assert.Equal(0.9f, d.Score);
        AssertBox(d.Box, 270f / 640, 140f / 640, 370f / 640, 340f / 640);
    }

    [Fact]
    public void Decode_OneBoxLetterbox_RemovesPaddingAndScale()
    {
        var output = Output(transposed: false);
        Place(output, anchor: 37, cx: 320, cy: 240, w: 100, h: 200, classId: 2, score: 0.9f, transposed: false);
        var results = new List<Det>();

        // 1280×720 → scale 0.5 → 640×360 content, 140 rows of padding on top.
        new YoloV8Decoder(Classes).Decode([output], InputTransform.Letterbox(1280, 720, 640, 640), 0.5f, results);

        var d = Assert.Single(results);
        AssertBox(d.Box, 540f / 1280, 0f, 740f / 1280, 400f / 720);
    }

    [Fact]
    public void Decode_TransposedLayout_GivesSameBox()
    {
        var normal = Output(transposed: false);
        var transposed = Output(transposed: true);
        Place(normal, 5, 100, 120, 40, 60, 7, 0.8f, transposed: false);
        Place(transposed, 5, 100, 120, 40, 60, 7, 0.8f, transposed: true);
        var a = new List<Det>();
        var b = new List<Det>();

        new YoloV8Decoder(Classes).Decode([normal], InputTransform.Stretch(640, 640, 640, 640), 0.5f, a);
        new YoloV8Decoder(Classes).Decode([transposed], InputTransform.Stretch(640, 640, 640, 640), 0.5f, b);

        Assert.Single(a);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Decode_SeveralClassesAboveThreshold_KeepsBestClassOnly()
    {
        var output = Output(transposed: false);
        Place(output, 10, 100, 100, 50, 50, 3, 0.6f, transposed: false);
        output.Data[((4 + 9) * Anchors) + 10] = 0.7f;
        var results = new List<Det>();

        new YoloV8Decoder(Classes).Decode([output], InputTransform.Stretch(640, 640, 640, 640), 0.5f, results);

        var d = Assert.Single(results);
        Assert.Equal(9, d.ClassId);
        Assert.Equal(0.7f, d.Score);
    }

    [Theory]
    [InlineData(0.55f, 0)]
    [InlineData(0.5f, 1)]
    public void Decode_ScoreAgainstThreshold_KeepsOnlyScoresAtOrAbove(float threshold, int expected)
    {
        var output = Output(transposed: false);
        Place(output, 0, 100, 100, 50, 50, 0, 0.5f, transposed: false);
        var results = new List<Det>();

        new YoloV8Decoder(Classes).Decode([output], InputTransform.Stretch(640, 640, 640, 640), threshold, results);

        Assert.Equal(expected, results.Count);
    }

    [Fact]
    public void Decode_WrongShape_Throws()
    {
        var output = new OutputTensor("x", new float[10 * Anchors], [1, 10, Anchors]);

        Assert.Throws<InvalidOperationException>(() => new YoloV8Decoder(Classes).Decode([output], InputTransform.Stretch(640, 640, 640, 640), 0.5f, []));
    }

    private static OutputTensor Output(bool transposed) =>
        new("output0", new float[(4 + Classes) * Anchors], transposed ? [1, Anchors, 4 + Classes] : [1, 4 + Classes, Anchors]);

    private static void Place(OutputTensor t, int anchor, float cx, float cy, float w, float h, int classId, float score, bool transposed)
    {
        float[] values = [cx, cy, w, h];
        for (var ch = 0; ch < 4; ch++)
        {
            t.Data[Index(anchor, ch, transposed)] = values[ch];
        }

        t.Data[Index(anchor, 4 + classId, transposed)] = score;
    }

    private static int Index(int anchor, int channel, bool transposed) => transposed ? (anchor * (4 + Classes)) + channel : (channel * Anchors) + anchor;

    private static void AssertBox(NormBox box, float x0, float y0, float x1, float y1)
    {
        Assert.Equal(x0, box.X, 4);
        Assert.Equal(y0, box.Y, 4);
        Assert.Equal(x1, box.Right, 4);
        Assert.Equal(y1, box.Bottom, 4);
    }
}
