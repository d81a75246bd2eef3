using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Passes;

/// <summary>Rewrites of the TF graph done before op mapping.</summary>
public static class TfGraphRewrites
{
    private static readonly string[] BiasOps = ["Add", "AddV2", "BiasAdd"];

    /// <summary>
    /// Turns <c>Conv2D → Add(bias)</c> into one <c>_FusedConv2D</c> with <c>fused_ops = [BiasAdd]</c> — the form TFJS
    /// itself uses (and MoveNet ships) — so the bias becomes the ONNX Conv's B input instead of an Add stranded between
    /// two layout Transposes (NanoDet went ONNX → TF → TFJS and lost its fused biases on the way).
    /// </summary>
    public static TfGraph FuseConvolutionBias(TfGraph graph)
    {
        var consumers = graph.Nodes.SelectMany(n => n.Inputs).GroupBy(i => i, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var outputs = graph.Outputs.ToHashSet(StringComparer.Ordinal);
        var byName = graph.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var fused = new Dictionary<string, TfNode>(StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);

        foreach (var add in graph.Nodes.Where(n => BiasOps.Contains(n.Op) && n.Inputs.Count == 2))
        {
            for (var side = 0; side < 2; side++)
            {
                if (!byName.TryGetValue(add.Inputs[side], out var conv) || conv.Op != "Conv2D"
                    || conv.GetString("data_format", "NHWC") != "NHWC" || add.GetString("data_format", "NHWC") != "NHWC"
                    || consumers.GetValueOrDefault(conv.Name) != 1 || outputs.Contains(conv.Name) || conv.Inputs.Count != 2
                    || !graph.Weights.TryGetValue(conv.Inputs[1], out var filter) || filter.Shape.Length != 4
                    || !graph.Weights.TryGetValue(add.Inputs[1 - side], out var bias) || !bias.IsFloat
                    || bias.Shape.Length != 1 || bias.Shape[0] != filter.Shape[3])
                {
                    continue;
                }

                var attrs = new Dictionary<string, TfAttr>(conv.Attrs, StringComparer.Ordinal)
                {
                    ["fused_ops"] = new TfAttr(Strings: ["BiasAdd"]),
                    ["num_args"] = new TfAttr(Int: 1),
                };
                fused[add.Name] = new TfNode(add.Name, "_FusedConv2D", [conv.Inputs[0], conv.Inputs[1], add.Inputs[1 - side]], attrs);
                removed.Add(conv.Name);
                break;
            }
        }

        var nodes = graph.Nodes.Where(n => !removed.Contains(n.Name)).Select(n => fused.GetValueOrDefault(n.Name) ?? n).ToList();
        return new TfGraph(nodes, graph.Weights, graph.Inputs, graph.Outputs);
    }
}
