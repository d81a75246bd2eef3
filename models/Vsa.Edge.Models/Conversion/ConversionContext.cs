using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion;

/// <summary>A TF tensor during conversion: a constant known now (folded or a weight) or a value of the ONNX graph.</summary>
public sealed class TfValue(ElementType type, long[] shape, TensorData? constant, string? onnxName)
{
    public ElementType Type { get; } = type;

    /// <summary>Static shape; -1 marks a dimension unknown at conversion time.</summary>
    public long[] Shape { get; } = shape;

    public TensorData? Constant { get; } = constant;

    /// <summary>ONNX value name; for a constant, set once it has been written as an initializer.</summary>
    public string? OnnxName { get; set; } = onnxName;

    public bool IsConstant => Constant is not null;

    public int Rank => Shape.Length;
}

/// <summary>
/// State shared by the op mappers while one graph is converted: the TF tensor → <see cref="TfValue"/> table, unique
/// ONNX names, and helpers that append nodes and initializers to the <see cref="OnnxGraph"/>.
/// </summary>
public sealed class ConversionContext
{
    private readonly Dictionary<string, TfValue> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public OnnxGraph Graph { get; } = new();

    /// <summary>The value of a TF tensor reference (<c>node</c> or <c>node:k</c>).</summary>
    public TfValue Resolve(string tensor)
    {
        var (node, index) = TfNode.ParseTensorName(tensor);
        return _values.TryGetValue(TfNode.TensorKey(node, index), out var value)
            ? value
            : throw new ConversionException($"Tensor '{tensor}' is read before it is produced (or its producer has no output {index}).");
    }

    /// <summary>The value of input <paramref name="index"/> of a node.</summary>
    public TfValue Input(TfNode node, int index)
    {
        if (index >= node.Inputs.Count)
        {
            throw new ConversionException($"{node.Op} node '{node.Name}' has {node.Inputs.Count} inputs; input {index} is required.");
        }

        return Resolve(node.Inputs[index]);
    }

    /// <summary>A node input that must be known at conversion time (filters, permutations, paddings, shapes...).</summary>
    public TensorData Constant(TfNode node, int index, string role) =>
        Input(node, index).Constant
        ?? throw new ConversionException($"{node.Op} node '{node.Name}': input {index} ({role}) must be a constant known at conversion time.");

    /// <summary>The ONNX name to read a value by, writing a constant as an initializer the first time it is used.</summary>
    public string Use(TfValue value)
    {
        if (value.OnnxName is { } name)
        {
            return name;
        }

        value.OnnxName = AddInitializer("const", value.Constant!);
        return value.OnnxName;
    }

    public string UseInput(TfNode node, int index)
    {
        var value = Input(node, index);
        if (value.OnnxName is null)
        {
            value.OnnxName = AddInitializer(TfNode.ParseTensorName(node.Inputs[index]).Node, value.Constant!);
        }

        return value.OnnxName;
    }

    public string UniqueName(string baseName)
    {
        var name = baseName;
        for (var i = 1; !_names.Add(name); i++)
        {
            name = $"{baseName}__{i}";
        }

        return name;
    }

    public string AddInitializer(string baseName, TensorData data)
    {
        var name = UniqueName(baseName);
        Graph.AddInitializer(name, data);
        return name;
    }

    /// <summary>Appends a node and returns the names of its outputs.</summary>
    public string[] AddNode(string opType, string baseName, IReadOnlyList<string> inputs, int outputCount, params (string Name, OnnxAttribute Value)[] attributes)
    {
        var nodeName = UniqueName(baseName);
        var outputs = new string[outputCount];
        for (var i = 0; i < outputCount; i++)
        {
            // Node and value names live in separate ONNX namespaces, so output 0 may share the node's name.
            outputs[i] = i == 0 ? nodeName : UniqueName($"{nodeName}:{i}");
        }

        var node = new OnnxNode(opType, nodeName, inputs, outputs);
        foreach (var (name, value) in attributes)
        {
            node.Attributes[name] = value;
        }

        Graph.Nodes.Add(node);
        return outputs;
    }

    /// <summary>Appends a one-output node.</summary>
    public string Add(string opType, string baseName, IReadOnlyList<string> inputs, params (string Name, OnnxAttribute Value)[] attributes) =>
        AddNode(opType, baseName, inputs, 1, attributes)[0];

    public string Transpose(string input, IReadOnlyList<long> perm, string baseName) =>
        Add("Transpose", baseName, [input], ("perm", OnnxAttribute.Of(perm.ToArray())));

    /// <summary>Records output <paramref name="index"/> of a TF node as an ONNX value.</summary>
    public void SetOutput(TfNode node, int index, string onnxName, ElementType type, long[] shape) =>
        _values[TfNode.TensorKey(node.Name, index)] = new TfValue(type, shape, null, onnxName);

    /// <summary>Records output <paramref name="index"/> of a TF node as a constant known at conversion time.</summary>
    public void SetConstant(TfNode node, int index, TensorData data) =>
        _values[TfNode.TensorKey(node.Name, index)] = new TfValue(data.Type, data.Shape, data, null);

    /// <summary>Makes output <paramref name="index"/> of a TF node the very same value as another (Identity).</summary>
    public void SetAlias(TfNode node, int index, TfValue value) => _values[TfNode.TensorKey(node.Name, index)] = value;

    /// <summary>Declares a graph input.</summary>
    public void AddGraphInput(TfNode node, ElementType type, long[] shape)
    {
        var name = UniqueName(node.Name);
        Graph.Inputs.Add(new OnnxValueInfo(name, type, shape));
        SetOutput(node, 0, name, type, shape);
    }

    /// <summary>Declares a graph output named after the TF tensor, renaming the producing node's output to it.</summary>
    public void AddGraphOutput(string tensor)
    {
        var value = Resolve(tensor);
        var (node, index) = TfNode.ParseTensorName(tensor);
        var wanted = index == 0 ? node : $"{node}_{index}";
        var source = Use(value);
        var producer = Graph.Producer(source);
        if (source == wanted && producer is not null && !Graph.IsGraphOutput(source))
        {
            // Already named after the TF tensor.
        }
        else if (producer is not null && !Graph.IsGraphOutput(source) && _names.Add(wanted))
        {
            producer.Outputs[producer.Outputs.IndexOf(source)] = wanted;
            Graph.ReplaceUses(source, wanted);
            value.OnnxName = wanted;
        }
        else
        {
            // Inputs, initializers and values already exposed under another name go through an Identity node.
            wanted = AddNode("Identity", wanted, [source], 1)[0];
        }

        Graph.Outputs.Add(new OnnxValueInfo(wanted, value.Type, value.Shape));
    }
}
