using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>
/// Our ONNX MoveNet and the original TensorFlow.js model (run by tfjs itself on Node) give the same 17 keypoints on a
/// real person crop of the demo clip, and those keypoints describe an upright walking person.
/// </summary>
public sealed class MoveNetParityTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    /// <summary>Frame 100 of vtest.avi: the man in a dark jacket and jeans walking away from the camera on the right,
    /// cut as a 100×100 square (chosen by looking at the frame; nobody else is in it, his head and feet are inside).</summary>
    private const int Frame = 100;

    private static readonly Rect PersonCrop = new(553, 140, 100, 100);

    // COCO keypoint indices (MoveNetManifest.KeypointNames).
    private static readonly int[] Head = [0, 1, 2, 3, 4];
    private static readonly int[] Shoulders = [5, 6];
    private static readonly int[] Hips = [11, 12];
    private static readonly int[] Knees = [13, 14];
    private static readonly int[] Ankles = [15, 16];

    [Fact]
    public async Task ConvertedModel_RealPersonCrop_MatchesTfjsWithin1e4AndLooksUpright()
    {
        using var temp = new TempDirectory();
        var graph = Path.Combine(TestAssets.HumanModelsPackage, MoveNetManifest.GraphPath);
        var onnx = temp.File(MoveNetManifest.FileName);
        var clock = Stopwatch.StartNew();
        var report = ModelConversion.ConvertFile(graph, onnx);
        output.WriteLine($"converted in {clock.ElapsedMilliseconds} ms: {report.OnnxNodes} ONNX nodes, {report.Bytes} bytes");

        var size = MoveNetManifest.Input.Width;
        long[] shape = [1, size, size, 3];
        var crop = DemoFrame.CropToInt32Rgb(TestAssets.DemoClip, Frame, PersonCrop, size);

        var expected = Assert.Single(await TfjsReference.RunAsync(graph, crop, shape, temp.Path));
        var actual = RunOnnx(onnx, crop, shape);

        Assert.Equal([1L, 1, 17, 3], expected.Shape);
        Assert.Equal(expected.Shape, actual.Shape);
        var (worstCoordinate, worstScore) = (0f, 0f);
        for (var i = 0; i < expected.Values.Length; i++)
        {
            var difference = Math.Abs(expected.Values[i] - actual.Values[i]);
            if (i % 3 == 2)
            {
                worstScore = Math.Max(worstScore, difference);
            }
            else
            {
                worstCoordinate = Math.Max(worstCoordinate, difference);
            }
        }

        for (var k = 0; k < 17; k++)
        {
            output.WriteLine($"{MoveNetManifest.KeypointNames[k],-15} y {actual.Values[k * 3]:0.0000} x {actual.Values[(k * 3) + 1]:0.0000} score {actual.Values[(k * 3) + 2]:0.000}");
        }

        output.WriteLine($"max abs difference vs tfjs: coordinates {worstCoordinate:E2}, scores {worstScore:E2}");
        Assert.True(worstCoordinate <= Tolerance, $"coordinates differ by up to {worstCoordinate:E2} > {Tolerance:E0}");
        Assert.True(worstScore <= Tolerance, $"scores differ by up to {worstScore:E2} > {Tolerance:E0}");
        AssertUprightPerson(actual.Values);
    }

    /// <summary>
    /// What anyone sees in the crop: a person standing upright, walking. Of the confident keypoints, the head is above
    /// the shoulders, the shoulders above the hips, the hips above the knees, the knees above the ankles; the body is
    /// taller than wide. Equal outputs of a model that sees nothing would prove little.
    /// </summary>
    private static void AssertUprightPerson(float[] pose)
    {
        const float confident = MoveNetManifest.DefaultScoreThreshold;
        float Y(int k) => pose[k * 3];
        float X(int k) => pose[(k * 3) + 1];
        List<int> Seen(int[] group) => [.. group.Where(k => pose[(k * 3) + 2] > confident)];

        int[][] topToBottom = [Head, Shoulders, Hips, Knees, Ankles];
        var seen = topToBottom.Select(Seen).ToList();
        Assert.True(seen[1].Count > 0 && seen[2].Count > 0 && seen[4].Count > 0,
            "shoulders, hips and ankles of a fully visible person should be found with score > 0.3");
        for (var upper = 0; upper < seen.Count; upper++)
        {
            for (var lower = upper + 1; lower < seen.Count; lower++)
            {
                foreach (var a in seen[upper])
                {
                    foreach (var b in seen[lower])
                    {
                        Assert.True(Y(a) < Y(b), $"{MoveNetManifest.KeypointNames[a]} (y {Y(a):0.000}) should be above {MoveNetManifest.KeypointNames[b]} (y {Y(b):0.000})");
                    }
                }
            }
        }

        var all = seen.SelectMany(g => g).ToList();
        var height = all.Max(Y) - all.Min(Y);
        var width = all.Max(X) - all.Min(X);
        Assert.True(height > 2 * width, $"an upright person is much taller than wide (height {height:0.000}, width {width:0.000})");
        // The crop holds the whole person: head near the top, feet near the bottom.
        Assert.True(height > 0.5f, $"keypoints span {height:0.000} of the crop's height, the person fills most of it");
    }

    private NamedTensor RunOnnx(string onnx, int[] input, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        var name = Assert.Single(session.InputNames);
        Assert.Equal(MoveNetManifest.Input.Name, name);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        float[] result = [];
        long[] resultShape = [];
        var timings = new List<double>();
        for (var run = 0; run < 7; run++)
        {
            var clock = Stopwatch.StartNew();
            using var outputs = session.Run(runOptions, [name], [value], session.OutputNames);
            timings.Add(clock.Elapsed.TotalMilliseconds);
            result = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            resultShape = outputs[0].GetTensorTypeAndShape().Shape;
        }

        // The first run includes ORT's lazy set-up; the median of the rest is the figure that matters (shared, noisy machine).
        var steady = timings.Skip(1).Order().ToList();
        output.WriteLine($"ORT CPU, 1 intra-op thread: first run {timings[0]:0.0} ms, median of next {steady.Count} {steady[steady.Count / 2]:0.0} ms");
        return new NamedTensor(session.OutputNames[0], resultShape, result);
    }
}
