using System.Globalization;

namespace Vsa.Edge.Models.Tfjs;

/// <summary>One attribute of a GraphDef node, decoded from its proto3-JSON form.</summary>
/// <remarks>
/// In the JSON, integers come as strings, strings are base64 and lists are <c>{"list": {"i": [...]}}</c>; this type
/// holds them already decoded so op mappers never see the wire form.
/// </remarks>
public sealed record TfAttr(
    long? Int = null,
    float? Float = null,
    bool? Bool = null,
    string? String = null,
    string? DataType = null,
    IReadOnlyList<long>? Ints = null,
    IReadOnlyList<float>? Floats = null,
    IReadOnlyList<string>? Strings = null,
    IReadOnlyList<long>? Shape = null);

/// <summary>A GraphDef node: name, op, data inputs (control inputs dropped) and attributes.</summary>
public sealed class TfNode(string name, string op, IReadOnlyList<string> inputs, IReadOnlyDictionary<string, TfAttr> attrs)
{
    public string Name { get; } = name;

    public string Op { get; } = op;

    /// <summary>Input tensor names: <c>node</c> or <c>node:k</c> for the k-th output.</summary>
    public IReadOnlyList<string> Inputs { get; } = inputs;

    public IReadOnlyDictionary<string, TfAttr> Attrs { get; } = attrs;

    public override string ToString() => $"{Op} '{Name}'";

    public long GetInt(string attr, long fallback) => Attrs.TryGetValue(attr, out var a) && a.Int is { } v ? v : fallback;

    public float GetFloat(string attr, float fallback) => Attrs.TryGetValue(attr, out var a) && a.Float is { } v ? v : fallback;

    public bool GetBool(string attr, bool fallback) => Attrs.TryGetValue(attr, out var a) && a.Bool is { } v ? v : fallback;

    public string GetString(string attr, string fallback) => Attrs.TryGetValue(attr, out var a) && a.String is { } v ? v : fallback;

    public IReadOnlyList<long> GetInts(string attr, IReadOnlyList<long> fallback) =>
        Attrs.TryGetValue(attr, out var a) && a.Ints is { } v ? v : fallback;

    public IReadOnlyList<string> GetStrings(string attr) =>
        Attrs.TryGetValue(attr, out var a) && a.Strings is { } v ? v : [];

    public string? GetDataType(string attr) => Attrs.TryGetValue(attr, out var a) ? a.DataType : null;

    /// <summary>Splits a tensor reference into node name and output index (<c>"n:1"</c> → (<c>n</c>, 1)).</summary>
    public static (string Node, int Index) ParseTensorName(string tensor)
    {
        var colon = tensor.LastIndexOf(':');
        if (colon > 0 && int.TryParse(tensor.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return (tensor[..colon], index);
        }

        return (tensor, 0);
    }

    /// <summary>The canonical key of a tensor: <c>node</c> for output 0, <c>node:k</c> otherwise.</summary>
    public static string TensorKey(string node, int index) => index == 0 ? node : $"{node}:{index}";
}

/// <summary>A TensorFlow.js graph model: nodes in topological order, decoded weights, graph inputs and outputs.</summary>
public sealed class TfGraph(
    IReadOnlyList<TfNode> nodes,
    IReadOnlyDictionary<string, Conversion.TensorData> weights,
    IReadOnlyList<string> inputs,
    IReadOnlyList<string> outputs)
{
    public IReadOnlyList<TfNode> Nodes { get; } = nodes;

    /// <summary>Constant values by Const node name.</summary>
    public IReadOnlyDictionary<string, Conversion.TensorData> Weights { get; } = weights;

    /// <summary>Placeholder node names.</summary>
    public IReadOnlyList<string> Inputs { get; } = inputs;

    /// <summary>Output tensor names (<c>node</c> or <c>node:k</c>).</summary>
    public IReadOnlyList<string> Outputs { get; } = outputs;
}
