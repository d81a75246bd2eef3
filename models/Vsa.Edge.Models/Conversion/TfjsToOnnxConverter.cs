using Vsa.Edge.Models.Conversion.Passes;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion;

/// <summary>What a conversion produced, with counts for the tool's report.</summary>
public sealed record ConversionResult(OnnxGraph Graph, int TfNodeCount, int FoldedNodeCount, int NodesBeforeCleanup);

/// <summary>
/// Converts a TensorFlow.js graph to an ONNX graph: walks the TF nodes in topological order, folds what is constant,
/// maps the rest through the <see cref="OpRegistry"/>, then runs the clean-up passes.
/// </summary>
public sealed class TfjsToOnnxConverter(OpRegistry registry)
{
    public TfjsToOnnxConverter()
        : this(OpRegistry.CreateDefault())
    {
    }

    public ConversionResult Convert(TfGraph graph, ConversionOptions? options = null)
    {
        var rewritten = TfGraphRewrites.FuseConvolutionBias(InputShapeRewrite.Apply(graph, options ?? ConversionOptions.Default));
        var context = new ConversionContext();
        var folded = 0;
        foreach (var node in rewritten.Nodes)
        {
            if (node.Op == "Const")
            {
                context.SetConstant(node, 0, rewritten.Weights[node.Name]);
                continue;
            }

            if (TryFold(node, context))
            {
                folded++;
                continue;
            }

            if (!registry.TryGetMapper(node.Op, out var mapper))
            {
                throw new ConversionException(
                    $"Unsupported TensorFlow op '{node.Op}' at node '{node.Name}'. Supported ops: {string.Join(", ", registry.SupportedOps)}.");
            }

            try
            {
                mapper(node, context);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new ConversionException($"Cannot convert {node.Op} node '{node.Name}': {ex.Message}", ex);
            }
        }

        if (rewritten.Outputs.Count == 0)
        {
            throw new ConversionException("The graph declares no outputs.");
        }

        foreach (var output in rewritten.Outputs)
        {
            context.AddGraphOutput(output);
        }

        var before = context.Graph.Nodes.Count;
        GraphCleanup.Run(context.Graph);
        return new ConversionResult(context.Graph, graph.Nodes.Count, folded, before);
    }

    private bool TryFold(TfNode node, ConversionContext context)
    {
        if (node.Inputs.Count == 0 || !registry.TryGetFolder(node.Op, out var folder))
        {
            return false;
        }

        var inputs = new TensorData[node.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            if (context.Input(node, i).Constant is not { } constant)
            {
                return false;
            }

            inputs[i] = constant;
        }

        var outputs = folder(node, inputs);
        for (var i = 0; i < outputs.Length; i++)
        {
            context.SetConstant(node, i, outputs[i]);
        }

        return true;
    }
}
