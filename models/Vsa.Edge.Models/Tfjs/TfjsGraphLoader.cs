using System.Globalization;
using System.Text;
using System.Text.Json;
using Vsa.Edge.Models.Conversion;

namespace Vsa.Edge.Models.Tfjs;

/// <summary>Reads a TensorFlow.js graph model (<c>model.json</c> plus its <c>.bin</c> shards) into a <see cref="TfGraph"/>.</summary>
public static class TfjsGraphLoader
{
    public static TfGraph Load(string modelJsonPath)
    {
        if (!File.Exists(modelJsonPath))
        {
            throw new FileNotFoundException($"TensorFlow.js model not found: {modelJsonPath}", modelJsonPath);
        }

        try
        {
            return Read(modelJsonPath);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            // Malformed JSON, a missing field, a field of the wrong kind: one message naming the file.
            throw new InvalidDataException($"{modelJsonPath} is not a readable TensorFlow.js graph model: {ex.Message}", ex);
        }
    }

    private static TfGraph Read(string modelJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(modelJsonPath));
        var root = doc.RootElement;
        var format = root.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (format is not null && format != "graph-model")
        {
            throw new InvalidDataException($"{modelJsonPath}: format '{format}' is not a TensorFlow.js graph model.");
        }

        if (!root.TryGetProperty("modelTopology", out var topology) || !topology.TryGetProperty("node", out var nodeList))
        {
            throw new InvalidDataException($"{modelJsonPath}: no modelTopology.node list (not a TensorFlow.js graph model).");
        }

        var nodes = nodeList.EnumerateArray().Select(ParseNode).ToList();
        var weights = LoadWeights(root, Path.GetDirectoryName(Path.GetFullPath(modelJsonPath))!);
        AddInlineConstants(nodeList, nodes, weights);

        var inputs = SignatureNames(root, "inputs") ?? [.. nodes.Where(n => n.Op == "Placeholder").Select(n => n.Name)];
        var outputs = SignatureNames(root, "outputs") ?? Sinks(nodes);
        return new TfGraph(TopologicalOrder(nodes), weights, inputs, [.. outputs.Order(StringComparer.Ordinal)]);
    }

    private static TfNode ParseNode(JsonElement n)
    {
        var name = n.GetProperty("name").GetString()!;
        var op = n.GetProperty("op").GetString()!;
        var inputs = n.TryGetProperty("input", out var i)
            ? i.EnumerateArray().Select(e => e.GetString()!).Where(s => !s.StartsWith('^')).ToList()
            : [];
        var attrs = new Dictionary<string, TfAttr>(StringComparer.Ordinal);
        if (n.TryGetProperty("attr", out var attrObj))
        {
            foreach (var a in attrObj.EnumerateObject())
            {
                attrs[a.Name] = ParseAttr(a.Value);
            }
        }

        return new TfNode(name, op, inputs, attrs);
    }

    private static TfAttr ParseAttr(JsonElement a)
    {
        if (a.TryGetProperty("i", out var i))
        {
            return new TfAttr(Int: ReadLong(i));
        }

        if (a.TryGetProperty("f", out var f))
        {
            return new TfAttr(Float: ReadFloat(f));
        }

        if (a.TryGetProperty("b", out var b))
        {
            return new TfAttr(Bool: b.GetBoolean());
        }

        if (a.TryGetProperty("s", out var s))
        {
            return new TfAttr(String: Base64Text(s));
        }

        if (a.TryGetProperty("type", out var t))
        {
            return new TfAttr(DataType: t.GetString());
        }

        if (a.TryGetProperty("shape", out var shape))
        {
            return new TfAttr(Shape: ParseShape(shape));
        }

        if (a.TryGetProperty("list", out var list))
        {
            return new TfAttr(
                Ints: list.TryGetProperty("i", out var li) ? [.. li.EnumerateArray().Select(ReadLong)] : null,
                Floats: list.TryGetProperty("f", out var lf) ? [.. lf.EnumerateArray().Select(ReadFloat)] : null,
                Strings: list.TryGetProperty("s", out var ls) ? [.. ls.EnumerateArray().Select(Base64Text)] : null);
        }

        // Tensor-valued attributes (Const "value") are read from the weight shards instead.
        return new TfAttr();
    }

    private static long[] ParseShape(JsonElement shape) =>
        shape.TryGetProperty("dim", out var dims)
            ? [.. dims.EnumerateArray().Select(d => d.TryGetProperty("size", out var size) ? ReadLong(size) : 0L)]
            : [];

    private static long ReadLong(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetInt64();

    private static float ReadFloat(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "NaN" => float.NaN,
            "Infinity" => float.PositiveInfinity,
            "-Infinity" => float.NegativeInfinity,
            var text => float.Parse(text!, CultureInfo.InvariantCulture),
        }
        : e.GetSingle();

    private static string Base64Text(JsonElement e) => Encoding.UTF8.GetString(Convert.FromBase64String(e.GetString()!));

    private static Dictionary<string, TensorData> LoadWeights(JsonElement root, string directory)
    {
        var all = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        if (!root.TryGetProperty("weightsManifest", out var manifest))
        {
            return all;
        }

        foreach (var group in manifest.EnumerateArray())
        {
            using var shards = new MemoryStream();
            foreach (var path in group.GetProperty("paths").EnumerateArray())
            {
                var shard = Path.Combine(directory, path.GetString()!);
                if (!File.Exists(shard))
                {
                    throw new FileNotFoundException($"Weight shard not found: {shard}", shard);
                }

                using var stream = File.OpenRead(shard);
                stream.CopyTo(shards);
            }

            var specs = group.GetProperty("weights").EnumerateArray().Select(ParseSpec).ToList();
            foreach (var (name, tensor) in WeightDecoder.Decode(specs, shards.GetBuffer().AsSpan(0, (int)shards.Length)))
            {
                all[name] = tensor;
            }
        }

        return all;
    }

    private static WeightSpec ParseSpec(JsonElement w)
    {
        var name = w.GetProperty("name").GetString()!;
        var shape = w.GetProperty("shape").EnumerateArray().Select(ReadLong).ToArray();
        var dtype = w.GetProperty("dtype").GetString()!;
        if (!w.TryGetProperty("quantization", out var q))
        {
            return new WeightSpec(name, shape, dtype);
        }

        return new WeightSpec(
            name,
            shape,
            dtype,
            q.GetProperty("dtype").GetString(),
            q.TryGetProperty("min", out var min) ? ReadFloat(min) : 0f,
            q.TryGetProperty("scale", out var scale) ? ReadFloat(scale) : 1f);
    }

    /// <summary>
    /// Gives each Const the element type its node declares: TFJS stores int64 constants as int32 in the shards, but the
    /// graph (and ONNX) need them as int64. Constants absent from the shards must carry their values inline.
    /// </summary>
    private static void AddInlineConstants(JsonElement nodeList, List<TfNode> nodes, Dictionary<string, TensorData> weights)
    {
        var index = 0;
        foreach (var json in nodeList.EnumerateArray())
        {
            var node = nodes[index++];
            if (node.Op != "Const")
            {
                continue;
            }

            var declared = TfTypes.ToElementType(node.GetDataType("dtype"), node);
            if (weights.TryGetValue(node.Name, out var stored))
            {
                weights[node.Name] = stored.Cast(declared);
                continue;
            }

            weights[node.Name] = ReadInlineTensor(json, node, declared);
        }
    }

    private static TensorData ReadInlineTensor(JsonElement json, TfNode node, ElementType type)
    {
        if (!json.TryGetProperty("attr", out var attr) || !attr.TryGetProperty("value", out var value)
            || !value.TryGetProperty("tensor", out var tensor))
        {
            throw new InvalidDataException($"Const node '{node.Name}' has no value in the weight shards nor inline.");
        }

        var shape = tensor.TryGetProperty("tensorShape", out var ts) ? ParseShape(ts) : [];
        var count = ShapeMath.ElementCount(shape);
        string[] fields = ["floatVal", "intVal", "int64Val", "boolVal"];
        foreach (var field in fields)
        {
            if (!tensor.TryGetProperty(field, out var vals))
            {
                continue;
            }

            var raw = vals.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.True ? 1.0 : v.ValueKind == JsonValueKind.False ? 0.0
                : v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, CultureInfo.InvariantCulture) : v.GetDouble()).ToArray();
            // A single value stands for a tensor filled with it (GraphDef's compact form).
            var full = Enumerable.Range(0, (int)count).Select(k => raw.Length == 1 ? raw[0] : raw[k]).ToArray();
            return type == ElementType.Float32
                ? TensorData.FromFloats(shape, Array.ConvertAll(full, v => (float)v))
                : TensorData.FromInts(type, shape, Array.ConvertAll(full, v => (long)v));
        }

        if (count == 0)
        {
            return type == ElementType.Float32 ? TensorData.FromFloats(shape, []) : TensorData.FromInts(type, shape, []);
        }

        throw new InvalidDataException($"Const node '{node.Name}' has no value in the weight shards nor inline.");
    }

    private static List<string>? SignatureNames(JsonElement root, string kind)
    {
        if (!root.TryGetProperty("signature", out var sig) || !sig.TryGetProperty(kind, out var entries))
        {
            return null;
        }

        var names = entries.EnumerateObject()
            .Select(e => e.Value.TryGetProperty("name", out var n) ? n.GetString()! : e.Name)
            .Select(n => TfNode.TensorKey(TfNode.ParseTensorName(n).Node, TfNode.ParseTensorName(n).Index))
            .ToList();
        return names.Count > 0 ? names : null;
    }

    private static List<string> Sinks(List<TfNode> nodes)
    {
        var consumed = nodes.SelectMany(n => n.Inputs).Select(i => TfNode.ParseTensorName(i).Node).ToHashSet(StringComparer.Ordinal);
        return [.. nodes.Where(n => n.Op != "Const" && !consumed.Contains(n.Name)).Select(n => n.Name)];
    }

    /// <summary>Kahn's algorithm, stable with respect to the file's order.</summary>
    private static List<TfNode> TopologicalOrder(List<TfNode> nodes)
    {
        var byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<TfNode>>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var producers = node.Inputs.Select(i => TfNode.ParseTensorName(i).Node).Distinct(StringComparer.Ordinal).ToList();
            foreach (var p in producers)
            {
                if (!byName.ContainsKey(p))
                {
                    throw new InvalidDataException($"Node '{node.Name}' reads '{p}', which is not in the graph.");
                }

                if (!consumers.TryGetValue(p, out var list))
                {
                    consumers[p] = list = [];
                }

                list.Add(node);
            }

            pending[node.Name] = producers.Count;
        }

        var order = new List<TfNode>(nodes.Count);
        var ready = new Queue<TfNode>(nodes.Where(n => pending[n.Name] == 0));
        while (ready.TryDequeue(out var node))
        {
            order.Add(node);
            foreach (var consumer in consumers.GetValueOrDefault(node.Name) ?? [])
            {
                if (--pending[consumer.Name] == 0)
                {
                    ready.Enqueue(consumer);
                }
            }
        }

        if (order.Count != nodes.Count)
        {
            throw new InvalidDataException("The graph has a cycle; control flow is not supported by the converter.");
        }

        return order;
    }
}
