using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>Ops that move data without arithmetic: Transpose, Pad, Concat, Split, Reshape.</summary>
public static class LayoutOps
{
    public static void Register(OpRegistry registry)
    {
        registry.Map("Transpose", Transpose);
        registry.Fold("Transpose", (_, inputs) => [inputs[0].Transpose(inputs[1].ToInt64Array())]);
        registry.Map("Pad", Pad);
        registry.Map("PadV2", Pad);
        registry.Map("ConcatV2", Concat);
        registry.Fold("ConcatV2", (_, inputs) => [ConcatConstants(inputs.Take(inputs.Count - 1).ToList(), inputs[^1].ToInt64Array()[0])]);
        registry.Map("SplitV", (node, context) => Split(node, context, valueInput: 0, axisInput: 2));
        registry.Map("Split", (node, context) => Split(node, context, valueInput: 1, axisInput: 0));
        registry.Map("Reshape", Reshape);
        registry.Fold("Reshape", (_, inputs) => [inputs[0].Reshape(ShapeMath.ResolveReshape(inputs[0].Shape, inputs[1].ToInt64Array()))]);
    }

    private static void Transpose(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var perm = context.Constant(node, 1, "perm").ToInt64Array();
        var output = context.Transpose(context.UseInput(node, 0), perm, node.Name);
        context.SetOutput(node, 0, output, input.Type, ShapeMath.Permute(input.Shape, perm));
    }

    /// <summary>TF paddings [rank, 2] → ONNX pads [begin…, end…]; PadV2's fill value (−inf before MaxPool) kept.</summary>
    private static void Pad(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var paddings = context.Constant(node, 1, "paddings").ToInt64Array();
        var rank = input.Rank;
        if (paddings.Length != rank * 2)
        {
            throw new ConversionException($"{node.Op} node '{node.Name}': paddings hold {paddings.Length} values for a rank-{rank} input.");
        }

        var pads = new long[rank * 2];
        var shape = new long[rank];
        for (var d = 0; d < rank; d++)
        {
            pads[d] = paddings[d * 2];
            pads[rank + d] = paddings[(d * 2) + 1];
            shape[d] = input.Shape[d] < 0 ? -1 : input.Shape[d] + pads[d] + pads[rank + d];
        }

        List<string> inputs = [context.UseInput(node, 0), context.AddInitializer(node.Name + "/pads", TensorData.Int64Vector(pads))];
        if (node.Op == "PadV2")
        {
            var fill = context.Constant(node, 2, "constant_values");
            inputs.Add(context.AddInitializer(node.Name + "/value", fill.Cast(input.Type).Reshape([])));
        }

        var output = context.Add("Pad", node.Name, inputs, ("mode", OnnxAttribute.Of("constant")));
        context.SetOutput(node, 0, output, input.Type, shape);
    }

    private static void Concat(TfNode node, ConversionContext context)
    {
        var count = node.Inputs.Count - 1;
        var values = Enumerable.Range(0, count).Select(i => context.Input(node, i)).ToList();
        var axis = ShapeMath.Axis(context.Constant(node, count, "axis").ToInt64Array()[0], values[0].Rank);
        var shape = values[0].Shape.ToArray();
        shape[axis] = values.Any(v => v.Shape[axis] < 0) ? -1 : values.Sum(v => v.Shape[axis]);
        var output = context.Add("Concat", node.Name, [.. values.Select(context.Use)], ("axis", OnnxAttribute.Of((long)axis)));
        context.SetOutput(node, 0, output, values[0].Type, shape);
    }

    private static void Split(TfNode node, ConversionContext context, int valueInput, int axisInput)
    {
        var input = context.Input(node, valueInput);
        var axis = ShapeMath.Axis(context.Constant(node, axisInput, "axis").ToInt64Array()[0], input.Rank);
        var count = (int)node.GetInt("num_split", 1);
        var length = input.Shape[axis];
        long[] sizes;
        if (node.Op == "SplitV")
        {
            sizes = context.Constant(node, 1, "size_splits").ToInt64Array();
            var unknown = Array.IndexOf(sizes, -1L);
            if (unknown >= 0)
            {
                sizes[unknown] = length - sizes.Where(s => s >= 0).Sum();
            }
        }
        else
        {
            sizes = Enumerable.Repeat(length / count, count).ToArray();
        }

        if (sizes.Length != count || length < 0 || sizes.Sum() != length)
        {
            throw new ConversionException($"{node.Op} node '{node.Name}': cannot split axis {axis} of length {length} into [{string.Join(",", sizes)}].");
        }

        var split = context.AddInitializer(node.Name + "/split", TensorData.Int64Vector(sizes));
        var outputs = context.AddNode("Split", node.Name, [context.UseInput(node, valueInput), split], count, ("axis", OnnxAttribute.Of((long)axis)));
        for (var i = 0; i < count; i++)
        {
            var shape = input.Shape.ToArray();
            shape[axis] = sizes[i];
            context.SetOutput(node, i, outputs[i], input.Type, shape);
        }
    }

    private static void Reshape(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var requested = context.Constant(node, 1, "shape").ToInt64Array();
        var target = ShapeMath.ResolveReshape(input.Shape, requested);
        var written = target;
        if (IsBatchOfOneKept(input.Shape, requested))
        {
            // A symbolic batch (ConversionOptions.DynamicBatch) kept as the first axis: resolve the rest as for a batch
            // of one, and write ONNX's 0 ("copy this dimension from the input") where the graph said 1.
            target = ShapeMath.ResolveReshape([1, .. input.Shape[1..]], requested);
            target[0] = -1;
            written = [0, .. target[1..]];
        }

        var shape = context.AddInitializer(node.Name + "/shape", TensorData.Int64Vector(written));
        var output = context.Add("Reshape", node.Name, [context.UseInput(node, 0), shape]);
        context.SetOutput(node, 0, output, input.Type, target);
    }

    private static bool IsBatchOfOneKept(long[] input, long[] requested) =>
        input.Length > 1 && requested.Length > 1 && input[0] < 0 && requested[0] == 1 && ShapeMath.IsStatic(input[1..]);

    /// <summary>Concatenates constants along an axis (shape arithmetic folded at conversion time).</summary>
    public static TensorData ConcatConstants(IReadOnlyList<TensorData> parts, long axisValue)
    {
        var first = parts[0];
        var axis = ShapeMath.Axis(axisValue, first.Shape.Length);
        var outer = (int)ShapeMath.ElementCount(first.Shape[..axis]);
        var shape = first.Shape.ToArray();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        var floats = new List<float>();
        var ints = new List<long>();
        for (var o = 0; o < outer; o++)
        {
            foreach (var part in parts)
            {
                var chunk = (int)(part.Count / Math.Max(outer, 1));
                if (first.IsFloat)
                {
                    floats.AddRange(part.ToFloatArray().AsSpan(o * chunk, chunk).ToArray());
                }
                else
                {
                    ints.AddRange(part.ToInt64Array().AsSpan(o * chunk, chunk).ToArray());
                }
            }
        }

        return first.IsFloat ? TensorData.FromFloats(shape, [.. floats]) : TensorData.FromInts(first.Type, shape, [.. ints]);
    }
}
