using Vsa.Edge.Models.Onnx;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion;

/// <summary>What converting one file did.</summary>
public sealed record ConversionReport(int TfNodes, int FoldedNodes, int OnnxNodesBeforeCleanup, int OnnxNodes, int Initializers, long Bytes);

/// <summary>File-level conversion: TFJS <c>model.json</c> (+ shards) → ONNX file.</summary>
public static class ModelConversion
{
    public static ConversionReport ConvertFile(string graphPath, string onnxPath, ConversionOptions? options = null)
    {
        var graph = TfjsGraphLoader.Load(graphPath);
        var result = new TfjsToOnnxConverter().Convert(graph, options);
        result.Graph.Name = Path.GetFileNameWithoutExtension(graphPath);
        var metadata = new Dictionary<string, string>
        {
            ["converted_from"] = Path.GetFileName(graphPath),
            ["converter"] = $"{OnnxModelWriter.ProducerName} {OnnxModelWriter.ProducerVersion} (TensorFlow.js graph model → ONNX)",
        };
        OnnxModelWriter.Write(result.Graph, onnxPath, metadata);
        return new ConversionReport(
            result.TfNodeCount,
            result.FoldedNodeCount,
            result.NodesBeforeCleanup,
            result.Graph.Nodes.Count,
            result.Graph.InitializerCount,
            new FileInfo(onnxPath).Length);
    }
}
