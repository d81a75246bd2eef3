using OpenCvSharp;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Privacy;
using Vsa.Edge.Configuration;
using Vsa.Edge.Configuration.Geometry;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Privacy;

public sealed class PrivacyMaskerTests
{
    // A house front (rectangle) and its garden gate (triangle), normalised.
    private static readonly float[][] House = [[0.10f, 0.10f], [0.45f, 0.10f], [0.45f, 0.60f], [0.10f, 0.60f]];
    private static readonly float[][] Gate = [[0.60f, 0.55f], [0.90f, 0.90f], [0.55f, 0.95f]];

    // NanoDet's input as its manifest states it: BGR, stretched to 416 × 416, (v - mean) / std.
    private static readonly ModelInput NanoDetInput =
        new("input_1", TensorLayout.Nchw, 416, 416, ColorOrder.Bgr, [103.53f, 116.28f, 123.675f], [57.375f, 57.12f, 58.395f], ResizeMode.Stretch);

    [Fact]
    public void Apply_BrightPatternInsideMasks_TensorThereIsNormalisedBlack()
    {
        using var frame = BrightPattern(640, 480);
        var masker = PrivacyMasker.Create(Camera(House, Gate))!;
        using var pre = new Preprocessor(NanoDetInput);
        var tensor = new float[pre.TensorLength];

        masker.Apply(frame);
        pre.Process(frame, tensor);

        var polygons = new[] { House, Gate }.Select(ToPolygon).ToArray();
        var plane = 416 * 416;
        var (inside, outsideLit) = (0, 0);
        for (var ty = 0; ty < 416; ty++)
        {
            for (var tx = 0; tx < 416; tx++)
            {
                // The tensor pixel's bilinear source footprint (±1.5 frame pixels around its centre), normalised; and a
                // wider one (±3) to stay clear of mask edges, whose pixels FillPoly includes.
                var (sx, sy) = (((tx + 0.5) * 640 / 416) - 0.5, ((ty + 0.5) * 480 / 416) - 0.5);
                var corners = Footprint(sx, sy, 1.5);
                var wide = Footprint(sx, sy, 3);
                if (polygons.Any(p => corners.All(p.Contains)))
                {
                    inside++;
                    for (var c = 0; c < 3; c++)
                    {
                        var black = (0 - NanoDetInput.Mean[c]) / NanoDetInput.Std[c];
                        Assert.Equal(black, tensor[(c * plane) + (ty * 416) + tx]);
                    }
                }
                else if (!polygons.Any(p => wide.Any(p.Contains)))
                {
                    // Away from every mask the bright pattern (≥ 128 in every channel) is still there.
                    var blue = (tensor[(ty * 416) + tx] * NanoDetInput.Std[0]) + NanoDetInput.Mean[0];
                    outsideLit += blue >= 127 ? 1 : 0;
                    Assert.True(blue >= 127, $"tensor pixel ({tx}, {ty}) outside the masks lost the pattern ({blue:0.0})");
                }
            }
        }

        Assert.True(inside > 416 * 416 / 10, $"the masks cover a good part of the input ({inside} pixels)");
        Assert.True(outsideLit > 416 * 416 / 3, $"most of the input is outside the masks ({outsideLit} pixels)");
    }

    [Fact]
    public void Apply_MaskDrawnToTheFrameEdge_BlanksTheLastColumnAndRow()
    {
        using var frame = BrightPattern(97, 71);
        var masker = PrivacyMasker.Create(Camera([[0.5f, 0.5f], [1f, 0.5f], [1f, 1f], [0.5f, 1f]]))!;

        masker.Apply(frame);

        Assert.Equal(new Vec3b(0, 0, 0), frame.At<Vec3b>(70, 96));
        Assert.Equal(new Vec3b(0, 0, 0), frame.At<Vec3b>(36, 96));
        Assert.Equal(new Vec3b(0, 0, 0), frame.At<Vec3b>(70, 49));
        Assert.NotEqual(new Vec3b(0, 0, 0), frame.At<Vec3b>(10, 10));
    }

    [Fact]
    public void Apply_FrameSizeChanges_MasksTheSameRegionAtTheNewSize()
    {
        var masker = PrivacyMasker.Create(Camera(House))!;
        using var small = BrightPattern(320, 240);
        using var large = BrightPattern(1280, 720);

        masker.Apply(small);
        var smallMasked = masker.MaskedPixels;
        masker.Apply(large);

        // 35 % × 50 % of the frame, boundary pixels included.
        Assert.InRange(smallMasked, 0.175 * 320 * 240, (0.175 * 320 * 240) + 320 + 240);
        Assert.InRange(masker.MaskedPixels, 0.175 * 1280 * 720, (0.175 * 1280 * 720) + 1280 + 720);
        Assert.Equal(new Vec3b(0, 0, 0), large.At<Vec3b>(360, 300));
        Assert.NotEqual(new Vec3b(0, 0, 0), large.At<Vec3b>(360, 700));
    }

    [Fact]
    public void Apply_SteadyState_AllocatesNothing()
    {
        using var frame = BrightPattern(768, 576);
        var masker = PrivacyMasker.Create(Camera(House, Gate))!;
        masker.Apply(frame);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            masker.Apply(frame);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ReplaceMasks_Reload_TheNextFrameGetsTheNewMasksOnly()
    {
        using var analysis = new FrameAnalysis(PrivacyMasker.Create(Camera(House)), null, null, null, null, null);
        using var first = BrightPattern(200, 100);
        using var second = BrightPattern(200, 100);

        analysis.BlankMasks(first);
        analysis.ReplaceMasks(Camera(Gate));
        analysis.BlankMasks(second);

        // (50, 40) is in the house, (150, 85) in the gate.
        Assert.Equal(new Vec3b(0, 0, 0), first.At<Vec3b>(40, 50));
        Assert.NotEqual(new Vec3b(0, 0, 0), first.At<Vec3b>(85, 150));
        Assert.NotEqual(new Vec3b(0, 0, 0), second.At<Vec3b>(40, 50));
        Assert.Equal(new Vec3b(0, 0, 0), second.At<Vec3b>(85, 150));
    }

    [Fact]
    public void Create_CameraWithoutMasks_ReturnsNull()
    {
        Assert.Null(PrivacyMasker.Create(Camera()));
    }

    internal static CameraConfig Camera(params float[][][] masks) =>
        new("cam", null, "clip.avi", [], [], PrivacyMasks: masks.Length == 0 ? null : [.. masks.Select((m, i) => new PrivacyMaskConfig($"m{i}", m))]);

    // A 5 × 5 grid of points over the square ±half pixels around (sx, sy), normalised to the 640 × 480 frame.
    private static PointF[] Footprint(double sx, double sy, double half) =>
        [.. from i in Enumerable.Range(0, 5)
            from j in Enumerable.Range(0, 5)
            select new PointF((float)((sx - half + (i * half / 2) + 0.5) / 640), (float)((sy - half + (j * half / 2) + 0.5) / 480))];

    private static Polygon ToPolygon(float[][] vertices) => new ZoneConfig("z", null, vertices).ToPolygon();

    // Every channel between 128 and 255, varying from pixel to pixel.
    private static Mat BrightPattern(int width, int height)
    {
        var frame = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(frame, Scalar.All(128), Scalar.All(256));
        return frame;
    }
}
