using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>
/// The key test of the converter: our ONNX file and the original TensorFlow.js model (run by tfjs itself on Node) give
/// the same six outputs on a real frame of the demo clip.
/// </summary>
public sealed class NanoDetParityTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    [Fact]
    public async Task ConvertedModel_RealFrame_MatchesTfjsWithin1e4()
    {
        using var temp = new TempDirectory();
        var graph = Path.Combine(TestAssets.HumanModelsPackage, NanoDetManifest.GraphPath);
        var onnx = temp.File("nanodet.onnx");
        ModelConversion.ConvertFile(graph, onnx);

        var input = NanoDetManifest.Input;
        long[] shape = [1, 3, input.Height, input.Width];
        var tensor = DemoFrame.ToTensor(TestAssets.DemoClip, 100, input);

        var expected = await TfjsReference.RunAsync(graph, tensor, shape, temp.Path);
        var actual = RunOnnx(onnx, input.Name, tensor, shape);

        Assert.Equal(6, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var reference in expected)
        {
            // Output names differ between the two runtimes; shapes are unique, so outputs pair up by shape.
            var converted = Assert.Single(actual, a => a.ShapeText == reference.ShapeText);
            Assert.Equal(reference.Values.Length, converted.Values.Length);
            var worst = 0f;
            for (var i = 0; i < reference.Values.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(reference.Values[i] - converted.Values[i]));
            }

            output.WriteLine($"{reference.Name} {reference.ShapeText}: max abs difference {worst:E2}");
            Assert.True(worst <= Tolerance, $"{reference.Name} {reference.ShapeText}: max abs difference {worst:E2} > {Tolerance:E0}");
            Assert.True(reference.Values.Max() - reference.Values.Min() > 1e-3f, $"{reference.Name} is constant; the comparison would prove little");
        }

        // Equal outputs of a model that sees nothing would prove little: frame 100 shows several people.
        var bestPersonScore = actual.Where(a => a.Shape[^1] == 80)
            .Max(a => Enumerable.Range(0, a.Values.Length / 80).Max(cell => a.Values[cell * 80]));
        Assert.True(bestPersonScore > 0.5f, $"best person score {bestPersonScore} on a frame with people");
    }

    private static List<NamedTensor> RunOnnx(string onnx, string inputName, float[] tensor, long[] shape)
    {
        using var session = new InferenceSession(onnx);
        using var value = OrtValue.CreateTensorValueFromMemory(tensor, shape);
        using var outputs = session.Run(new RunOptions(), [inputName], [value], session.OutputNames);
        return [.. session.OutputNames.Select((name, i) => new NamedTensor(
            name,
            outputs[i].GetTensorTypeAndShape().Shape,
            outputs[i].GetTensorDataAsSpan<float>().ToArray()))];
    }
}
