using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Manifests;
using Vsa.Edge.Models.Onnx;
using Vsa.Edge.Models.Tfjs;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>Structure of the converted real MoveNet graph (numbers are checked by <see cref="MoveNetParityTests"/>).</summary>
public sealed class MoveNetConversionTests
{
    private static readonly TfGraph Graph = TfjsGraphLoader.Load(Path.Combine(TestAssets.HumanModelsPackage, MoveNetManifest.GraphPath));

    [Fact]
    public void Load_RealGraph_HasInt32InputAndOneKeypointOutput()
    {
        Assert.Equal(["input"], Graph.Inputs);
        Assert.Equal(["Identity"], Graph.Outputs);
        var input = Graph.Nodes.Single(n => n.Op == "Placeholder");
        Assert.Equal("DT_INT32", input.GetDataType("dtype"));
        // The ops this converter had to learn for MoveNet are really there.
        var ops = Graph.Nodes.Select(n => n.Op).ToHashSet(StringComparer.Ordinal);
        string[] learned = ["Unpack", "Pack", "GatherNd", "ArgMax", "FloorDiv", "SquaredDifference", "ExpandDims", "Squeeze"];
        Assert.All(learned, op => Assert.Contains(op, ops));
    }

    [Fact]
    public void Convert_RealGraph_Int32InFloatKeypointsOutAndNoInputShuffle()
    {
        var graph = new TfjsToOnnxConverter().Convert(Graph).Graph;

        var input = Assert.Single(graph.Inputs);
        Assert.Equal(ElementType.Int32, input.Type);
        Assert.Equal([1L, 192, 192, 3], input.Shape);
        var output = Assert.Single(graph.Outputs);
        Assert.Equal(ElementType.Float32, output.Type);
        Assert.Equal([1L, 1, 17, 3], output.Shape);

        // unstack → expand → squeeze → stack of the batch of one cancels: the int32 → float Cast feeds the arithmetic.
        var cast = Assert.Single(graph.Consumers(input.Name));
        Assert.Equal("Cast", cast.OpType);
        Assert.All(graph.Consumers(cast.Outputs[0]), n => Assert.DoesNotContain(n.OpType, new[] { "Squeeze", "Unsqueeze" }));

        var ops = graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(74, ops["Conv"]);
        Assert.Equal(2, ops["ArgMax"]);
        Assert.Equal(4, ops["GatherND"]);
        Assert.All(graph.Nodes.Where(n => n.OpType is "Reshape" or "Squeeze" or "Unsqueeze"), n => Assert.True(graph.TryGetInitializer(n.Inputs[1], out _)));
    }

    [Fact]
    public void ToBytes_TwoConversions_AreByteIdentical()
    {
        var first = OnnxModelWriter.ToBytes(new TfjsToOnnxConverter().Convert(Graph).Graph);
        var second = OnnxModelWriter.ToBytes(new TfjsToOnnxConverter().Convert(Graph).Graph);

        Assert.Equal(first, second);
    }
}
