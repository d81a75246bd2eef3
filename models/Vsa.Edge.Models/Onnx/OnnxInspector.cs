using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Vsa.Edge.Models.Onnx.Proto;

namespace Vsa.Edge.Models.Onnx;

/// <summary>A graph input or output as ONNX Runtime sees it.</summary>
public sealed record OnnxTensorInfo(string Name, string ElementType, IReadOnlyList<string> Shape)
{
    public override string ToString() => $"{Name}  {ElementType}  [{string.Join(",", Shape)}]";
}

/// <summary>What <c>vsa-model inspect</c> reports about an ONNX file.</summary>
public sealed record OnnxSummary(
    string Path,
    long Bytes,
    long IrVersion,
    string Producer,
    IReadOnlyList<string> Opsets,
    int NodeCount,
    IReadOnlyList<KeyValuePair<string, int>> OpCounts,
    int Initializers,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs,
    IReadOnlyList<KeyValuePair<string, string>> Metadata);

/// <summary>Reads an ONNX file's structure (our protobuf reader) and its signature (ONNX Runtime).</summary>
public static class OnnxInspector
{
    public static OnnxSummary Inspect(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"file not found: {path}", path);
        }

        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"{path} is not an ONNX model: {ex.Message}", ex);
        }

        // Protobuf parses many byte strings without complaint; a model must at least have a graph and an opset.
        if (model.Graph is null || model.OpsetImport.Count == 0 || model.IrVersion <= 0)
        {
            throw new InvalidDataException($"{path} is not an ONNX model (no graph, IR version or opset).");
        }

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(path, options);
        var opCounts = model.Graph.Node.GroupBy(n => n.OpType, StringComparer.Ordinal)
            .Select(g => KeyValuePair.Create(g.Key, g.Count()))
            .OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
        return new OnnxSummary(
            Path.GetFullPath(path),
            new FileInfo(path).Length,
            model.IrVersion,
            $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            [.. model.OpsetImport.Select(o => $"{(o.Domain.Length == 0 ? "ai.onnx" : o.Domain)} {o.Version}")],
            model.Graph.Node.Count,
            opCounts,
            model.Graph.Initializer.Count,
            [.. session.InputMetadata.Select(m => Describe(m.Key, m.Value))],
            [.. session.OutputMetadata.Select(m => Describe(m.Key, m.Value))],
            [.. model.MetadataProps.Select(p => KeyValuePair.Create(p.Key, p.Value))]);
    }

    private static OnnxTensorInfo Describe(string name, NodeMetadata metadata)
    {
        var dims = metadata.Dimensions;
        var symbols = metadata.SymbolicDimensions;
        var shape = dims.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : i < symbols.Length && symbols[i].Length > 0 ? symbols[i] : "?").ToList();
        var type = !metadata.IsTensor ? metadata.OnnxValueType.ToString()
            : metadata.ElementDataType switch
            {
                TensorElementType.Float => "float32",
                TensorElementType.Double => "float64",
                var other => other.ToString().ToLowerInvariant(),
            };
        return new OnnxTensorInfo(name, type, shape);
    }
}
