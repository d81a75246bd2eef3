using Vsa.Edge.Agent.Core.Detection;
using Det = Vsa.Edge.Agent.Core.Detection.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Detection;

public sealed class NanoDetDecoderTests
{
    private const int Classes = 80;
    private const int Bins = 11;
    private static readonly int[] Strides = [8, 16, 32];

    [Fact]
    public void Decode_PeakedDistributionStretch_GivesExactBox()
    {
        var outputs = Outputs();
        PlaceCandidate(outputs, stride: 16, row: 10, col: 5, classId: 0, score: 0.9f, bins: (2, 3, 4, 5));
        var results = new List<Det>();

        Decoder().Decode(outputs, InputTransform.Stretch(640, 480, 416, 416), 0.5f, results);

        // Cell centre (5.5·16, 10.5·16) = (88, 168); sides 2·16, 3·16, 4·16, 5·16 → input box [56, 120, 152, 248].
        var d = Assert.Single(results);
        Assert.Equal(0, d.ClassId);
        Assert.Equal(0.9f, d.Score);
        AssertBox(d.Box, 56f / 416, 120f / 416, 152f / 416, 248f / 416);
    }

    [Fact]
    public void Decode_PeakedDistributionLetterbox_RemovesPaddingAndScale()
    {
        var outputs = Outputs();
        PlaceCandidate(outputs, stride: 16, row: 10, col: 5, classId: 0, score: 0.9f, bins: (2, 3, 4, 5));
        var results = new List<Det>();

        Decoder().Decode(outputs, InputTransform.Letterbox(640, 480, 416, 416), 0.5f, results);

        // Scale 0.65, 52 rows of padding on top: frame x = in/0.65, frame y = (in − 52)/0.65.
        var d = Assert.Single(results);
        AssertBox(d.Box, 56f / 0.65f / 640, (120f - 52) / 0.65f / 480, 152f / 0.65f / 640, (248f - 52) / 0.65f / 480);
    }

    [Theory]
    [InlineData(0.45f, 0)]
    [InlineData(0.40f, 1)]
    public void Decode_ScoreAgainstThreshold_KeepsOnlyScoresAtOrAbove(float threshold, int expected)
    {
        var outputs = Outputs();
        PlaceCandidate(outputs, stride: 8, row: 3, col: 4, classId: 2, score: 0.42f, bins: (1, 1, 1, 1));
        var results = new List<Det>();

        Decoder().Decode(outputs, InputTransform.Stretch(416, 416, 416, 416), threshold, results);

        Assert.Equal(expected, results.Count);
    }

    [Fact]
    public void Decode_OutputsInAnyOrder_ChoosesByShape()
    {
        var ordered = Outputs();
        PlaceCandidate(ordered, stride: 32, row: 6, col: 7, classId: 15, score: 0.8f, bins: (1, 2, 3, 4));
        PlaceCandidate(ordered, stride: 8, row: 40, col: 20, classId: 0, score: 0.7f, bins: (3, 3, 3, 3));
        var expected = new List<Det>();
        Decoder().Decode(ordered, InputTransform.Stretch(640, 480, 416, 416), 0.5f, expected);

        var shuffled = new List<OutputTensor>(ordered);
        new Random(7).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(shuffled));
        var actual = new List<Det>();
        Decoder().Decode(shuffled, InputTransform.Stretch(640, 480, 416, 416), 0.5f, actual);

        Assert.Equal(2, expected.Count);
        Assert.Equal(expected.OrderBy(d => d.ClassId), actual.OrderBy(d => d.ClassId));
    }

    [Fact]
    public void Decode_TwoClassesAboveThresholdInOneCell_YieldsBoth()
    {
        var outputs = Outputs();
        PlaceCandidate(outputs, stride: 16, row: 2, col: 2, classId: 0, score: 0.9f, bins: (1, 1, 1, 1));
        outputs.Single(o => o.Shape[1] == 26 * 26 && o.Shape[2] == Classes).Data[(((2 * 26) + 2) * Classes) + 5] = 0.6f;
        var results = new List<Det>();

        Decoder().Decode(outputs, InputTransform.Stretch(416, 416, 416, 416), 0.5f, results);

        Assert.Equal([0, 5], results.Select(d => d.ClassId).Order());
        Assert.Equal(results[0].Box, results[1].Box);
    }

    [Fact]
    public void Decode_BoxEntirelyInLetterboxPadding_IsDropped()
    {
        var outputs = Outputs();
        PlaceCandidate(outputs, stride: 8, row: 1, col: 10, classId: 0, score: 0.9f, bins: (1, 1, 1, 1));
        var results = new List<Det>();

        // Rows 0..51 are padding for a 4:3 frame; the box spans y 4..20.
        Decoder().Decode(outputs, InputTransform.Letterbox(640, 480, 416, 416), 0.5f, results);

        Assert.Empty(results);
    }

    [Fact]
    public void Decode_MissingOutput_ThrowsNamingExpectedShapes()
    {
        var outputs = Outputs();
        outputs.RemoveAt(outputs.FindIndex(o => o.Shape[1] == 13 * 13 && o.Shape[2] == 44));

        var e = Assert.Throws<InvalidOperationException>(() => Decoder().Decode(outputs, InputTransform.Stretch(416, 416, 416, 416), 0.5f, []));

        Assert.Contains("[1,169,44]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new float[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 5f)]
    [InlineData(new float[] { -100, -100, 0, -100, 0, -100, -100, -100, -100, -100, -100 }, 3f)]
    [InlineData(new float[] { 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0 }, 4.5239f)]
    [InlineData(new float[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60 }, 10f)]
    public void ExpectedBin_Logits_IsSoftmaxWeightedIndex(float[] logits, float expected)
    {
        // Independent reference: softmax in double, then Σ k·p_k.
        var exp = logits.Select(l => Math.Exp(l)).ToArray();
        var reference = exp.Select((e, k) => k * e).Sum() / exp.Sum();

        var actual = NanoDetDecoder.ExpectedBin(logits);

        Assert.Equal(reference, actual, 3);
        Assert.Equal(expected, actual, 3);
    }

    [Fact]
    public void Decode_RepeatedFrames_AllocatesNothing()
    {
        var outputs = Outputs();
        PlaceCandidate(outputs, stride: 16, row: 10, col: 5, classId: 0, score: 0.9f, bins: (2, 3, 4, 5));
        PlaceCandidate(outputs, stride: 8, row: 30, col: 30, classId: 2, score: 0.8f, bins: (1, 2, 1, 2));
        var decoder = Decoder();
        var transform = InputTransform.Letterbox(640, 480, 416, 416);
        var results = new List<Det>(16);

        // Steady state: past the first calls' one-time work and the runtime's tiered recompilation of the hot methods.
        for (var warm = 0; warm < 200; warm++)
        {
            results.Clear();
            decoder.Decode(outputs, transform, 0.5f, results);
            Nms.Apply(results, 0.6f);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var frame = 0; frame < 20; frame++)
        {
            results.Clear();
            decoder.Decode(outputs, transform, 0.5f, results);
            Nms.Apply(results, 0.6f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2, results.Count);
    }

    [Fact]
    public void Create_NanoDetManifest_ReturnsNanoDetDecoder()
    {
        Assert.IsType<NanoDetDecoder>(DetectionDecoders.Create(TestData.Manifest(DecoderKind.NanoDetGfl)));
        Assert.IsType<YoloV8Decoder>(DetectionDecoders.Create(TestData.Manifest(DecoderKind.YoloV8)));
    }

    private static NanoDetDecoder Decoder() => new(416, 416, Strides, Bins - 1, Classes);

    /// <summary>The six outputs in the converted graph's usual order (scores then distributions), all zero.</summary>
    private static List<OutputTensor> Outputs()
    {
        var outputs = new List<OutputTensor>();
        foreach (var s in Strides)
        {
            var n = (416 / s) * (416 / s);
            outputs.Add(new OutputTensor($"scores{s}", new float[n * Classes], [1, n, Classes]));
            outputs.Add(new OutputTensor($"boxes{s}", new float[n * 4 * Bins], [1, n, 4 * Bins]));
        }

        return outputs;
    }

    /// <summary>Sets one cell's class score and makes each side's distribution peak on the given bin.</summary>
    private static void PlaceCandidate(List<OutputTensor> outputs, int stride, int row, int col, int classId, float score, (int L, int T, int R, int B) bins)
    {
        var grid = 416 / stride;
        var cell = (row * grid) + col;
        outputs.Single(o => o.Shape[1] == grid * grid && o.Shape[2] == Classes).Data[(cell * Classes) + classId] = score;
        var dist = outputs.Single(o => o.Shape[1] == grid * grid && o.Shape[2] == 4 * Bins).Data;
        int[] peaks = [bins.L, bins.T, bins.R, bins.B];
        for (var side = 0; side < 4; side++)
        {
            // e^-60 ≈ 1e-26: the other bins contribute nothing measurable.
            dist[(cell * 4 * Bins) + (side * Bins) + peaks[side]] = 60f;
        }
    }

    private static void AssertBox(NormBox box, float x0, float y0, float x1, float y1)
    {
        Assert.Equal(x0, box.X, 4);
        Assert.Equal(y0, box.Y, 4);
        Assert.Equal(x1, box.Right, 4);
        Assert.Equal(y1, box.Bottom, 4);
    }
}
