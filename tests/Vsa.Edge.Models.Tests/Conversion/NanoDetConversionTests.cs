using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Onnx;
using Vsa.Edge.Models.Tfjs;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>Structure of the converted real NanoDet graph (numbers are checked by <see cref="NanoDetParityTests"/>).</summary>
public sealed class NanoDetConversionTests
{
    private static readonly TfGraph Graph = TfjsGraphLoader.Load(Path.Combine(TestAssets.HumanModelsPackage, NanoDetManifest.GraphPath));

    [Fact]
    public void Load_RealGraph_DecodesFloat16WeightsAndInt64Constants()
    {
        var conv = Graph.Nodes.First(n => n.Op == "Conv2D");
        var filter = Graph.Weights[conv.Inputs[1]];
        Assert.True(filter.IsFloat);
        Assert.Equal(4, filter.Shape.Length);
        Assert.Contains(filter.Floats, v => v != 0f && float.IsFinite(v));
        Assert.Contains(Graph.Weights.Values, w => w.Type == ElementType.Int64);
        Assert.Equal(["input_1"], Graph.Inputs);
        Assert.Equal(6, Graph.Outputs.Count);
    }

    [Fact]
    public void Convert_RealGraph_FoldsShapesAndCancelsLayoutClutter()
    {
        var result = new TfjsToOnnxConverter().Convert(Graph);
        var ops = result.Graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(34, ops["Conv"]);
        Assert.False(ops.ContainsKey("Pad"), "every Pad should be folded into its Conv/MaxPool");
        Assert.False(ops.ContainsKey("Add") && ops["Add"] > 4, "conv biases should live in the Conv nodes");
        Assert.True(ops.GetValueOrDefault("Transpose") <= 6, $"{ops.GetValueOrDefault("Transpose")} Transposes left");
        // 6 SparseToDense + the 6 AddV2 that turned them into Reshape targets, evaluated at conversion time.
        Assert.Equal(12, result.FoldedNodeCount);
        Assert.All(result.Graph.Nodes.Where(n => n.OpType == "Reshape"), n => Assert.True(result.Graph.TryGetInitializer(n.Inputs[1], out _)));
    }

    [Fact]
    public void ToBytes_TwoConversions_AreByteIdentical()
    {
        var first = OnnxModelWriter.ToBytes(new TfjsToOnnxConverter().Convert(Graph).Graph);
        var second = OnnxModelWriter.ToBytes(new TfjsToOnnxConverter().Convert(Graph).Graph);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Convert_AtItsOwnInputSize_ByteIdenticalToThePlainConversion()
    {
        var plain = OnnxModelWriter.ToBytes(new TfjsToOnnxConverter().Convert(Graph).Graph);
        var rewritten = OnnxModelWriter.ToBytes(new TfjsToOnnxConverter().Convert(Graph, new ConversionOptions(416, 416)).Graph);

        Assert.Equal(plain, rewritten);
    }

    [Fact]
    public void Convert_SizeNotAMultipleOfTheStride_FailsNamingTheResize()
    {
        var error = Assert.Throws<ConversionException>(() => new TfjsToOnnxConverter().Convert(Graph, new ConversionOptions(400, 416)));

        Assert.Contains("ResizeBilinear", error.Message, StringComparison.Ordinal);
        Assert.Contains("multiple of", error.Message, StringComparison.Ordinal);
    }
}
