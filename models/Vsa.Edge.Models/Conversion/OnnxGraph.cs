namespace Vsa.Edge.Models.Conversion;

/// <summary>Kinds of ONNX attribute values the converter writes.</summary>
public enum OnnxAttributeKind
{
    Int,
    Float,
    String,
    Ints,
    Floats,
}

/// <summary>One ONNX node attribute.</summary>
public sealed record OnnxAttribute(OnnxAttributeKind Kind, long Int = 0, float Float = 0, string? String = null, long[]? Ints = null, float[]? Floats = null)
{
    public static OnnxAttribute Of(long value) => new(OnnxAttributeKind.Int, Int: value);

    public static OnnxAttribute Of(float value) => new(OnnxAttributeKind.Float, Float: value);

    public static OnnxAttribute Of(string value) => new(OnnxAttributeKind.String, String: value);

    public static OnnxAttribute Of(long[] values) => new(OnnxAttributeKind.Ints, Ints: values);

    public static OnnxAttribute Of(float[] values) => new(OnnxAttributeKind.Floats, Floats: values);
}

/// <summary>A node of the ONNX graph under construction (mutable so clean-up passes can rewire it).</summary>
public sealed class OnnxNode(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs)
{
    public string OpType { get; set; } = opType;

    public string Name { get; } = name;

    /// <summary>Input value names; an empty string marks an omitted optional input.</summary>
    public List<string> Inputs { get; } = [.. inputs];

    public List<string> Outputs { get; } = [.. outputs];

    public SortedDictionary<string, OnnxAttribute> Attributes { get; } = new(StringComparer.Ordinal);

    public override string ToString() => $"{OpType} '{Name}'";
}

/// <summary>Type and static shape of a graph input or output (-1 = dynamic dimension).</summary>
public sealed record OnnxValueInfo(string Name, ElementType Type, long[] Shape);

/// <summary>The ONNX graph under construction: nodes in topological order, initializers, inputs and outputs.</summary>
public sealed class OnnxGraph
{
    private readonly Dictionary<string, TensorData> _initializers = new(StringComparer.Ordinal);
    private readonly List<string> _initializerOrder = [];

    public string Name { get; set; } = "graph";

    public List<OnnxNode> Nodes { get; } = [];

    public List<OnnxValueInfo> Inputs { get; } = [];

    public List<OnnxValueInfo> Outputs { get; } = [];

    public IEnumerable<KeyValuePair<string, TensorData>> Initializers =>
        _initializerOrder.Select(n => new KeyValuePair<string, TensorData>(n, _initializers[n]));

    public int InitializerCount => _initializerOrder.Count;

    public void AddInitializer(string name, TensorData data)
    {
        if (!_initializers.TryAdd(name, data))
        {
            throw new InvalidOperationException($"Initializer '{name}' already exists.");
        }

        _initializerOrder.Add(name);
    }

    public bool TryGetInitializer(string name, out TensorData data) => _initializers.TryGetValue(name, out data!);

    public void RemoveInitializer(string name)
    {
        if (_initializers.Remove(name))
        {
            _initializerOrder.Remove(name);
        }
    }

    /// <summary>The node that produces a value, or null for graph inputs and initializers.</summary>
    public OnnxNode? Producer(string value) => Nodes.Find(n => n.Outputs.Contains(value));

    /// <summary>Nodes that read a value.</summary>
    public List<OnnxNode> Consumers(string value) => Nodes.FindAll(n => n.Inputs.Contains(value));

    public bool IsGraphOutput(string value) => Outputs.Exists(o => o.Name == value);

    /// <summary>Makes every reader of <paramref name="from"/> read <paramref name="to"/> instead.</summary>
    public void ReplaceUses(string from, string to)
    {
        foreach (var node in Nodes)
        {
            for (var i = 0; i < node.Inputs.Count; i++)
            {
                if (node.Inputs[i] == from)
                {
                    node.Inputs[i] = to;
                }
            }
        }
    }
}
