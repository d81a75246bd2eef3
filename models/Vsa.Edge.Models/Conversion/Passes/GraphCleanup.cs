namespace Vsa.Edge.Models.Conversion.Passes;

/// <summary>
/// Cheap clean-up of the converted graph, all exact (no change to the numbers): cancels the layout Transpose pairs
/// that NanoDet's ONNX → TF → TFJS history left around every convolution, folds zero / −inf Pads into the following
/// Conv / MaxPool, and drops what no output needs.
/// </summary>
public static class GraphCleanup
{
    public static void Run(OnnxGraph graph)
    {
        bool changed;
        do
        {
            changed = FuseTransposes(graph);
            changed |= FusePads(graph);
            changed |= CancelSqueezeUnsqueeze(graph);
            changed |= RemoveIdentities(graph);
            changed |= RemoveDeadNodes(graph);
        }
        while (changed);

        RemoveUnusedInitializers(graph);
    }

    /// <summary>Transpose(Transpose(x, p1), p2) = Transpose(x, p1∘p2); an identity permutation disappears.</summary>
    public static bool FuseTransposes(OnnxGraph graph)
    {
        var changed = false;
        foreach (var node in graph.Nodes.Where(n => n.OpType == "Transpose").ToList())
        {
            var perm = node.Attributes["perm"].Ints!;
            if (graph.Producer(node.Inputs[0]) is { OpType: "Transpose" } first)
            {
                var firstPerm = first.Attributes["perm"].Ints!;
                perm = [.. perm.Select(p => firstPerm[p])];
                node.Inputs[0] = first.Inputs[0];
                node.Attributes["perm"] = OnnxAttribute.Of(perm);
                changed = true;
            }

            if (ShapeMath.IsIdentity(perm))
            {
                // RemoveIdentities then takes it away (or keeps it only to name a graph output).
                node.OpType = "Identity";
                node.Attributes.Clear();
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>A constant Pad on H and W only, read by a single Conv (fill 0) or MaxPool (fill −inf), becomes its pads.</summary>
    public static bool FusePads(OnnxGraph graph)
    {
        var changed = false;
        foreach (var pad in graph.Nodes.Where(n => n.OpType == "Pad").ToList())
        {
            if (pad.Attributes.TryGetValue("mode", out var mode) && mode.String != "constant"
                || !graph.TryGetInitializer(pad.Inputs[1], out var padsTensor) || padsTensor.Count != 8
                || graph.IsGraphOutput(pad.Outputs[0]) || graph.Consumers(pad.Outputs[0]) is not [var consumer]
                || consumer.Inputs[0] != pad.Outputs[0] || consumer.OpType is not ("Conv" or "MaxPool"))
            {
                continue;
            }

            var p = padsTensor.ToInt64Array();
            var fill = pad.Inputs.Count > 2 && pad.Inputs[2].Length > 0 && graph.TryGetInitializer(pad.Inputs[2], out var v) ? v.ToFloatArray()[0] : 0f;
            var fillMatches = consumer.OpType == "Conv" ? fill == 0f : fill <= float.MinValue;
            if (!fillMatches || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0 || p.Any(x => x < 0))
            {
                continue;
            }

            var existing = consumer.Attributes.TryGetValue("pads", out var e) ? e.Ints! : [0, 0, 0, 0];
            long[] merged = [existing[0] + p[2], existing[1] + p[3], existing[2] + p[6], existing[3] + p[7]];
            if (consumer.OpType == "MaxPool")
            {
                // Every pooling window must still see a real pixel, or −inf padding and ONNX pads would differ.
                var kernel = consumer.Attributes["kernel_shape"].Ints!;
                if (merged[0] >= kernel[0] || merged[2] >= kernel[0] || merged[1] >= kernel[1] || merged[3] >= kernel[1])
                {
                    continue;
                }
            }

            consumer.Attributes["pads"] = OnnxAttribute.Of(merged);
            consumer.Inputs[0] = pad.Inputs[0];
            graph.Nodes.Remove(pad);
            changed = true;
        }

        return changed;
    }

    /// <summary>
    /// <c>Unsqueeze(Squeeze(x, A), A)</c> and <c>Squeeze(Unsqueeze(x, A), A)</c> are x itself: the second node becomes an
    /// Identity. MoveNet unstacks its batch of one and stacks it again (four such nodes in a row at its input). Only
    /// constant, non-negative, equal axes lists match — what the mappers write — so the rewrite is always exact.
    /// </summary>
    public static bool CancelSqueezeUnsqueeze(OnnxGraph graph)
    {
        var changed = false;
        foreach (var node in graph.Nodes.Where(n => n.OpType is "Squeeze" or "Unsqueeze" && n.Inputs.Count == 2).ToList())
        {
            var inverse = node.OpType == "Squeeze" ? "Unsqueeze" : "Squeeze";
            if (graph.Producer(node.Inputs[0]) is not { } first || first.OpType != inverse || first.Inputs.Count != 2
                || !graph.TryGetInitializer(node.Inputs[1], out var axes) || !graph.TryGetInitializer(first.Inputs[1], out var firstAxes)
                || axes.ToInt64Array() is not { Length: > 0 } a || !a.SequenceEqual(firstAxes.ToInt64Array()) || a.Any(x => x < 0))
            {
                continue;
            }

            // The first node stays for its other readers (if any); dead-node removal takes it away otherwise.
            node.OpType = "Identity";
            node.Inputs.Clear();
            node.Inputs.Add(first.Inputs[0]);
            changed = true;
        }

        return changed;
    }

    /// <summary>Identity nodes disappear: readers read the source, or the source's producer takes the output's name.</summary>
    public static bool RemoveIdentities(OnnxGraph graph)
    {
        var changed = false;
        foreach (var node in graph.Nodes.Where(n => n.OpType == "Identity").ToList())
        {
            var (source, output) = (node.Inputs[0], node.Outputs[0]);
            if (!graph.IsGraphOutput(output))
            {
                graph.ReplaceUses(output, source);
            }
            else if (graph.Producer(source) is { } producer && !graph.IsGraphOutput(source) && graph.Consumers(source) is [_])
            {
                producer.Outputs[producer.Outputs.IndexOf(source)] = output;
            }
            else
            {
                continue;
            }

            graph.Nodes.Remove(node);
            changed = true;
        }

        return changed;
    }

    public static bool RemoveDeadNodes(OnnxGraph graph)
    {
        var needed = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var before = graph.Nodes.Count;
        for (var i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (node.Outputs.Exists(needed.Contains))
            {
                needed.UnionWith(node.Inputs);
            }
            else
            {
                graph.Nodes.RemoveAt(i);
            }
        }

        return graph.Nodes.Count != before;
    }

    public static void RemoveUnusedInitializers(OnnxGraph graph)
    {
        var used = graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in graph.Initializers.Select(i => i.Key).Where(n => !used.Contains(n)).ToList())
        {
            graph.RemoveInitializer(name);
        }
    }
}
