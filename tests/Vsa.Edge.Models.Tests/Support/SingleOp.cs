using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Onnx;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Tests.Support;

/// <summary>One input of a single-op test graph: a value fed at run time (a Placeholder) or a constant of the graph.</summary>
public sealed record OpInput(TensorData Value, bool AtRunTime)
{
    public static OpInput Fed(TensorData value) => new(value, true);

    public static OpInput Fixed(TensorData value) => new(value, false);
}

/// <summary>What one TF op became: its outputs computed by ONNX Runtime (mapped) and at conversion time (folded).</summary>
public sealed record OpResults(IReadOnlyList<TensorData> Mapped, OnnxGraph MappedGraph, IReadOnlyList<TensorData> Folded);

/// <summary>
/// Runs one TF op both ways the converter can treat it: with its <see cref="OpInput.Fed"/> inputs as graph inputs, so
/// the mapper's ONNX nodes run in ONNX Runtime, and with every input constant, so the folder computes it at conversion
/// time. Tests compare both against a plain C# reference.
/// </summary>
public static class SingleOp
{
    public static OpResults Run(string op, IReadOnlyList<OpInput> inputs, Dictionary<string, TfAttr>? attrs = null, int outputs = 1)
    {
        var mapped = Build(op, inputs, attrs, outputs, fold: false);
        var result = new TfjsToOnnxConverter().Convert(mapped);
        Assert.Contains(result.Graph.Nodes, n => n.OpType != "Identity");
        var fed = inputs.Where(i => i.AtRunTime).Select(i => i.Value).ToList();
        return new OpResults(RunOnnx(result.Graph, fed), result.Graph, Fold(op, inputs, attrs, outputs));
    }

    /// <summary>Converts the op and runs it with ONNX Runtime, for ops that have no constant folder.</summary>
    public static IReadOnlyList<TensorData> RunMapped(string op, IReadOnlyList<OpInput> inputs, Dictionary<string, TfAttr>? attrs = null, int outputs = 1)
    {
        var result = new TfjsToOnnxConverter().Convert(Build(op, inputs, attrs, outputs, fold: false));
        return RunOnnx(result.Graph, [.. inputs.Where(i => i.AtRunTime).Select(i => i.Value)]);
    }

    /// <summary>Converts the op with every input constant; the graph must hold nothing but the folded values.</summary>
    public static IReadOnlyList<TensorData> Fold(string op, IReadOnlyList<OpInput> inputs, Dictionary<string, TfAttr>? attrs = null, int outputs = 1)
    {
        var result = new TfjsToOnnxConverter().Convert(Build(op, inputs, attrs, outputs, fold: true));
        Assert.Equal(1, result.FoldedNodeCount);
        Assert.All(result.Graph.Nodes, n => Assert.Equal("Identity", n.OpType));
        return [.. result.Graph.Outputs.Select(o =>
        {
            var source = result.Graph.Nodes.Single(n => n.Outputs[0] == o.Name).Inputs[0];
            Assert.True(result.Graph.TryGetInitializer(source, out var data), $"output {o.Name} is not a folded constant");
            return data;
        })];
    }

    /// <summary>Converts the graph and runs it once with ONNX Runtime; every output as a <see cref="TensorData"/>.</summary>
    public static IReadOnlyList<TensorData> RunOnnx(OnnxGraph graph, IReadOnlyList<TensorData> inputs)
    {
        using var session = new InferenceSession(OnnxModelWriter.ToBytes(graph));
        var values = inputs.Select(ToOrt).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [.. graph.Inputs.Select(i => i.Name)], values, session.OutputNames);
            return [.. results.Select(FromOrt)];
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    private static TfGraph Build(string op, IReadOnlyList<OpInput> inputs, Dictionary<string, TfAttr>? attrs, int outputs, bool fold)
    {
        var b = new TfGraphBuilder();
        var names = inputs.Select((input, i) => input.AtRunTime && !fold
            ? b.Placeholder($"in{i}", input.Value.Type, input.Value.Shape)
            : b.Const($"in{i}", input.Value)).ToArray();
        var node = b.Op(op, "op", names, attrs);
        return b.Build([.. Enumerable.Range(0, outputs).Select(i => i == 0 ? node : $"{node}:{i}")]);
    }

    private static OrtValue ToOrt(TensorData data) => data.Type switch
    {
        ElementType.Float32 => OrtValue.CreateTensorValueFromMemory(data.Floats.ToArray(), data.Shape),
        ElementType.Int32 => OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(data.Ints, v => checked((int)v)), data.Shape),
        ElementType.Int64 => OrtValue.CreateTensorValueFromMemory(data.Ints.ToArray(), data.Shape),
        _ => throw new ArgumentException($"No test input of type {data.Type}.", nameof(data)),
    };

    private static TensorData FromOrt(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return info.ElementDataType switch
        {
            TensorElementType.Float => TensorData.FromFloats(info.Shape, value.GetTensorDataAsSpan<float>().ToArray()),
            TensorElementType.Int32 => TensorData.FromInts(ElementType.Int32, info.Shape, [.. value.GetTensorDataAsSpan<int>().ToArray().Select(v => (long)v)]),
            TensorElementType.Int64 => TensorData.FromInts(ElementType.Int64, info.Shape, value.GetTensorDataAsSpan<long>().ToArray()),
            var other => throw new ArgumentException($"No test output of type {other}.", nameof(value)),
        };
    }
}

/// <summary>Assertions on <see cref="TensorData"/> results.</summary>
public static class TensorAssert
{
    /// <summary>Same element type, shape and values (floats within <paramref name="precision"/> decimal places).</summary>
    public static void Equal(TensorData expected, TensorData actual, int precision = 6)
    {
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Shape, actual.Shape);
        if (expected.IsFloat)
        {
            for (var i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected.Floats[i], actual.Floats[i], precision);
            }
        }
        else
        {
            Assert.Equal(expected.Ints, actual.Ints);
        }
    }

    /// <summary>The mapped and the folded results both equal the reference, output by output.</summary>
    public static void BothEqual(OpResults results, params TensorData[] expected)
    {
        Assert.Equal(expected.Length, results.Mapped.Count);
        Assert.Equal(expected.Length, results.Folded.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Equal(expected[i], results.Mapped[i]);
            Equal(expected[i], results.Folded[i]);
        }
    }
}
