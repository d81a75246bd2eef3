using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Onnx;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Tests.Support;

/// <summary>Builds small TF graphs in memory (nodes in topological order) for converter tests.</summary>
public sealed class TfGraphBuilder
{
    private readonly List<TfNode> _nodes = [];
    private readonly Dictionary<string, TensorData> _weights = new(StringComparer.Ordinal);

    public string Placeholder(string name, params long[] shape) => Placeholder(name, ElementType.Float32, shape);

    public string Placeholder(string name, ElementType type, long[] shape)
    {
        _nodes.Add(new TfNode(name, "Placeholder", [], new Dictionary<string, TfAttr>
        {
            ["shape"] = new(Shape: shape),
            ["dtype"] = new(DataType: TfType(type)),
        }));
        return name;
    }

    public string Const(string name, TensorData data)
    {
        _nodes.Add(new TfNode(name, "Const", [], new Dictionary<string, TfAttr> { ["dtype"] = new(DataType: TfType(data.Type)) }));
        _weights[name] = data;
        return name;
    }

    public static string TfType(ElementType type) => type switch
    {
        ElementType.Float32 => "DT_FLOAT",
        ElementType.Int64 => "DT_INT64",
        ElementType.Bool => "DT_BOOL",
        _ => "DT_INT32",
    };

    public string Ints(string name, params long[] values) => Const(name, TensorData.FromInts(ElementType.Int32, [values.Length], values));

    public string Op(string op, string name, string[] inputs, Dictionary<string, TfAttr>? attrs = null)
    {
        _nodes.Add(new TfNode(name, op, inputs, attrs ?? []));
        return name;
    }

    public TfGraph Build(params string[] outputs) =>
        new(_nodes, _weights, [.. _nodes.Where(n => n.Op == "Placeholder").Select(n => n.Name)], outputs);

    /// <summary>Converts the graph and runs it once with ONNX Runtime; returns output 0.</summary>
    public static (float[] Values, long[] Shape, OnnxGraph Graph) ConvertAndRun(TfGraph graph, float[] input, long[] shape)
    {
        var result = new TfjsToOnnxConverter().Convert(graph);
        using var session = new InferenceSession(OnnxModelWriter.ToBytes(result.Graph));
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputs = session.Run(new RunOptions(), [result.Graph.Inputs[0].Name], [value], [session.OutputNames[0]]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape, result.Graph);
    }

    /// <summary>Deterministic, varied test values.</summary>
    public static float[] Ramp(int count, float scale = 0.1f) =>
        [.. Enumerable.Range(0, count).Select(i => MathF.Sin(i * 1.3f) * scale * (1 + (i % 7)))];
}
