using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Passes;

/// <summary>
/// Converts a fully convolutional graph at another input size, or with a symbolic batch, before op mapping: the
/// Placeholder gets the new shape, and every resize whose output size is a constant (NanoDet's feature-pyramid up- and
/// down-sampling, computed for 416 × 416 when the graph was exported) is scaled by the same ratio. The convolutions
/// need nothing: their weights do not depend on the input size. Reshape targets must not hold a spatial size
/// (NanoDet's are <c>[1, C, -1]</c>); a batch of one in them becomes "copy the batch" in <c>LayoutOps</c>.
/// </summary>
public static class InputShapeRewrite
{
    private static readonly string[] ResizeOps = ["ResizeBilinear", "ResizeNearestNeighbor"];

    public static TfGraph Apply(TfGraph graph, ConversionOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.ChangesInput)
        {
            return graph;
        }

        var placeholders = graph.Nodes.Where(n => n.Op == "Placeholder").ToList();
        if (placeholders.Count != 1 || placeholders[0].Attrs.GetValueOrDefault("shape")?.Shape is not { Count: 4 } shape)
        {
            throw new ConversionException("Changing the input size or batch needs a graph with one rank-4 input.");
        }

        // NCHW when the channel axis (3 for an RGB/BGR image) comes second, NHWC otherwise.
        var (hAxis, wAxis) = shape[1] == 3 && shape[3] != 3 ? (2, 3) : (1, 2);
        var (oldH, oldW) = (shape[hAxis], shape[wAxis]);
        var (newH, newW) = (options.InputHeight ?? oldH, options.InputWidth ?? oldW);
        if (newH <= 0 || newW <= 0)
        {
            throw new ConversionException($"Input size {newW}×{newH}: both sides must be positive.");
        }

        var newShape = shape.ToArray();
        (newShape[hAxis], newShape[wAxis]) = (newH, newW);
        if (options.DynamicBatch)
        {
            newShape[0] = -1;
        }

        var weights = new Dictionary<string, TensorData>(graph.Weights, StringComparer.Ordinal);
        foreach (var resize in graph.Nodes.Where(n => ResizeOps.Contains(n.Op) && n.Inputs.Count == 2))
        {
            var sizeName = TfNode.ParseTensorName(resize.Inputs[1]).Node;
            if (!weights.TryGetValue(sizeName, out var size) || size.Count != 2)
            {
                throw new ConversionException($"{resize.Op} node '{resize.Name}': its output size is not a constant; cannot rescale it.");
            }

            var old = size.ToInt64Array();
            long[] scaled = [Scale(old[0], newH, oldH, resize), Scale(old[1], newW, oldW, resize)];
            weights[sizeName] = TensorData.FromInts(size.Type, size.Shape, scaled);
        }

        var attrs = new Dictionary<string, TfAttr>(placeholders[0].Attrs, StringComparer.Ordinal) { ["shape"] = new TfAttr(Shape: newShape) };
        var input = new TfNode(placeholders[0].Name, "Placeholder", placeholders[0].Inputs, attrs);
        var nodes = graph.Nodes.Select(n => ReferenceEquals(n, placeholders[0]) ? input : n).ToList();
        return new TfGraph(nodes, weights, graph.Inputs, graph.Outputs);
    }

    private static long Scale(long size, long newInput, long oldInput, TfNode node)
    {
        if (size * newInput % oldInput != 0)
        {
            throw new ConversionException(
                $"{node.Op} node '{node.Name}': its output size {size} at input {oldInput} does not scale to a whole size at input {newInput} " +
                "(choose an input size that is a multiple of the model's largest stride, 32 for NanoDet).");
        }

        return size * newInput / oldInput;
    }
}
