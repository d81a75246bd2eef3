using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>
/// Ops that add, remove, stack or unstack axes without touching values: ExpandDims, Squeeze, Pack, Unpack. ONNX
/// (opset 13) takes the axes of Unsqueeze/Squeeze as an int64 input, which the mappers always write as a constant
/// with non-negative axes so that <see cref="Passes.GraphCleanup"/> can cancel Squeeze/Unsqueeze pairs.
/// </summary>
public static class ShapeOps
{
    public static void Register(OpRegistry registry)
    {
        registry.Map("ExpandDims", ExpandDims);
        registry.Fold("ExpandDims", (node, inputs) => [inputs[0].Reshape(Insert(inputs[0].Shape, ExpandAxis(node, inputs[0].Shape.Length, inputs[1]), 1))]);
        registry.Map("Squeeze", Squeeze);
        registry.Fold("Squeeze", (node, inputs) => [inputs[0].Reshape(Remove(inputs[0].Shape, SqueezeAxes(node, inputs[0].Shape)))]);
        registry.Map("Pack", Pack);
        registry.Fold("Pack", FoldPack);
        registry.Map("Unpack", Unpack);
        registry.Fold("Unpack", FoldUnpack);
    }

    private static void ExpandDims(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var axis = ExpandAxis(node, input.Rank, context.Constant(node, 1, "dim"));
        var output = Unsqueeze(context, context.UseInput(node, 0), axis, node.Name);
        context.SetOutput(node, 0, output, input.Type, Insert(input.Shape, axis, 1));
    }

    private static void Squeeze(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var axes = SqueezeAxes(node, input.Shape);
        var output = context.Add("Squeeze", node.Name, [context.UseInput(node, 0), AxesInput(context, node.Name, axes)]);
        context.SetOutput(node, 0, output, input.Type, Remove(input.Shape, axes));
    }

    /// <summary><c>Pack(values…, axis)</c> = each value unsqueezed at <c>axis</c>, then concatenated along it.</summary>
    private static void Pack(TfNode node, ConversionContext context)
    {
        var values = Enumerable.Range(0, node.Inputs.Count).Select(i => context.Input(node, i)).ToList();
        var first = values[0];
        var axis = PackAxis(node, first.Rank);
        if (values.Exists(v => !v.Shape.SequenceEqual(first.Shape)))
        {
            throw new ConversionException($"Pack node '{node.Name}': inputs of different shapes ({string.Join(" ", values.Select(v => ShapeMath.Format(v.Shape)))}).");
        }

        // Runtime values decide the element type; constants follow it (a folded shape may have become int64).
        var type = values.Find(v => !v.IsConstant)?.Type ?? first.Type;
        var parts = values.Select((v, i) => v.Constant is { } c
            ? context.AddInitializer($"{node.Name}/value{i}", c.Cast(type).Reshape(Insert(c.Shape, axis, 1)))
            : Unsqueeze(context, context.Use(v), axis, $"{node.Name}/value{i}")).ToList();
        var output = parts.Count == 1
            ? context.Add("Identity", node.Name, parts)
            : context.Add("Concat", node.Name, parts, ("axis", OnnxAttribute.Of((long)axis)));
        context.SetOutput(node, 0, output, type, Insert(first.Shape, axis, values.Count));
    }

    /// <summary><c>Unpack(value)</c> = Split into <c>num</c> slices of 1 along <c>axis</c>, each squeezed.</summary>
    private static void Unpack(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var (axis, count) = UnpackAxis(node, input.Shape);
        var shape = Remove(input.Shape, [axis]);
        var x = context.UseInput(node, 0);
        // A single slice is the whole tensor: no Split needed (MoveNet unstacks its batch of one this way).
        var slices = count == 1
            ? [x]
            : context.AddNode("Split", node.Name + "/split", [x, context.AddInitializer(node.Name + "/sizes", TensorData.Int64Vector([.. Enumerable.Repeat(1L, count)]))],
                count, ("axis", OnnxAttribute.Of((long)axis)));
        for (var i = 0; i < count; i++)
        {
            var output = context.Add("Squeeze", i == 0 ? node.Name : $"{node.Name}_{i}", [slices[i], AxesInput(context, node.Name, [axis])]);
            context.SetOutput(node, i, output, input.Type, shape);
        }
    }

    private static TensorData[] FoldPack(TfNode node, IReadOnlyList<TensorData> inputs)
    {
        var axis = PackAxis(node, inputs[0].Shape.Length);
        var type = inputs[0].Type;
        var parts = inputs.Select(t => t.Cast(type).Reshape(Insert(t.Shape, axis, 1))).ToList();
        return [LayoutOps.ConcatConstants(parts, axis)];
    }

    private static TensorData[] FoldUnpack(TfNode node, IReadOnlyList<TensorData> inputs)
    {
        var input = inputs[0];
        var (axis, count) = UnpackAxis(node, input.Shape);
        var sliceShape = input.Shape.ToArray();
        sliceShape[axis] = 1;
        var steps = Enumerable.Repeat(1L, input.Shape.Length).ToArray();
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var starts = new long[input.Shape.Length];
            starts[axis] = i;
            return input.Slice(starts, steps, sliceShape).Reshape(Remove(input.Shape, [axis]));
        })];
    }

    private static string Unsqueeze(ConversionContext context, string input, int axis, string name) =>
        context.Add("Unsqueeze", name, [input, AxesInput(context, name, [axis])]);

    private static string AxesInput(ConversionContext context, string name, IReadOnlyList<int> axes) =>
        context.AddInitializer(name + "/axes", TensorData.Int64Vector([.. axes.Select(a => (long)a)]));

    /// <summary>TF ExpandDims: <c>dim</c> in [−rank−1, rank], counted against the output's rank.</summary>
    private static int ExpandAxis(TfNode node, int rank, TensorData dim)
    {
        var values = dim.ToInt64Array();
        if (values.Length != 1)
        {
            throw new ConversionException($"ExpandDims node '{node.Name}': dim must hold one value, got {values.Length}.");
        }

        return ShapeMath.Axis(values[0], rank + 1);
    }

    /// <summary>TF Squeeze: the listed axes (each of size 1), or every axis of size 1 when none is listed.</summary>
    private static int[] SqueezeAxes(TfNode node, long[] shape)
    {
        var listed = node.GetInts("squeeze_dims", node.GetInts("axis", []));
        if (listed.Count == 0)
        {
            if (!ShapeMath.IsStatic(shape))
            {
                throw new ConversionException($"Squeeze node '{node.Name}': squeezing every size-1 axis needs a static shape, got {ShapeMath.Format(shape)}.");
            }

            return [.. Enumerable.Range(0, shape.Length).Where(a => shape[a] == 1)];
        }

        var axes = listed.Select(a => ShapeMath.Axis(a, shape.Length)).Distinct().Order().ToArray();
        var wrong = axes.Where(a => shape[a] is not (1 or -1)).ToList();
        if (wrong.Count > 0)
        {
            throw new ConversionException($"Squeeze node '{node.Name}': axis {wrong[0]} of {ShapeMath.Format(shape)} does not have size 1.");
        }

        return axes;
    }

    private static int PackAxis(TfNode node, int rank) => ShapeMath.Axis(node.GetInt("axis", 0), rank + 1);

    private static (int Axis, int Count) UnpackAxis(TfNode node, long[] shape)
    {
        var axis = ShapeMath.Axis(node.GetInt("axis", 0), shape.Length);
        var count = node.GetInt("num", shape[axis]);
        if (shape[axis] < 0 || count != shape[axis])
        {
            throw new ConversionException($"Unpack node '{node.Name}': num={count} but axis {axis} of {ShapeMath.Format(shape)} has size {shape[axis]}.");
        }

        return (axis, (int)count);
    }

    private static long[] Insert(long[] shape, int axis, long size) => [.. shape[..axis], size, .. shape[axis..]];

    private static long[] Remove(long[] shape, IReadOnlyCollection<int> axes) => [.. shape.Where((_, i) => !axes.Contains(i))];
}
