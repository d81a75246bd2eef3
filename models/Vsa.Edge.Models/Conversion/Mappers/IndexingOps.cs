using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>
/// Ops that pick elements by position: GatherNd, ArgMax, StridedSlice. ONNX wants int64 indices and returns int64 from
/// ArgMax; TF graphs mostly carry int32, so the mappers cast at the boundary and the values the graph sees keep TF's type.
/// </summary>
public static class IndexingOps
{
    public static void Register(OpRegistry registry)
    {
        registry.Map("GatherNd", GatherNd);
        registry.Fold("GatherNd", (node, inputs) => [FoldGatherNd(node, inputs[0], inputs[1])]);
        registry.Map("ArgMax", ArgMax);
        registry.Fold("ArgMax", (node, inputs) => [FoldArgMax(node, inputs[0], inputs[1])]);
        registry.Map("StridedSlice", StridedSlice);
        registry.Fold("StridedSlice", (node, inputs) => [FoldStridedSlice(node, inputs)]);
    }

    /// <summary>TF <c>GatherNd(params, indices)</c> is ONNX <c>GatherND</c> (batch_dims 0) with int64 indices.</summary>
    private static void GatherNd(TfNode node, ConversionContext context)
    {
        var data = context.Input(node, 0);
        var indices = context.Input(node, 1);
        var shape = GatherNdShape(node, data.Shape, indices.Shape);
        var index = indices.Constant is { } constant
            ? context.AddInitializer(node.Name + "/indices", constant.Cast(ElementType.Int64))
            : indices.Type == ElementType.Int64
                ? context.Use(indices)
                : context.Add("Cast", node.Name + "/indices", [context.Use(indices)], ("to", OnnxAttribute.Of((long)ElementType.Int64)));
        var output = context.Add("GatherND", node.Name, [context.UseInput(node, 0), index]);
        context.SetOutput(node, 0, output, data.Type, shape);
    }

    /// <summary>TF <c>ArgMax(input, dimension)</c>: ONNX ArgMax (first maximum, axis dropped) gives int64, cast to TF's output_type.</summary>
    private static void ArgMax(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var axis = ArgMaxAxis(node, input.Rank, context.Constant(node, 1, "dimension"));
        var type = OutputType(node);
        var argMax = context.Add("ArgMax", type == ElementType.Int64 ? node.Name : node.Name + "/argmax", [context.UseInput(node, 0)],
            ("axis", OnnxAttribute.Of((long)axis)),
            ("keepdims", OnnxAttribute.Of(0L)),
            ("select_last_index", OnnxAttribute.Of(0L)));
        var output = type == ElementType.Int64 ? argMax : context.Add("Cast", node.Name, [argMax], ("to", OnnxAttribute.Of((long)type)));
        context.SetOutput(node, 0, output, type, [.. input.Shape.Where((_, i) => i != axis)]);
    }

    /// <summary>TF StridedSlice → ONNX Slice on the resolved ranges, then Squeeze for the shrunk axes.</summary>
    private static void StridedSlice(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var plan = SlicePlan.Resolve(node, input.Shape,
            context.Constant(node, 1, "begin").ToInt64Array(),
            context.Constant(node, 2, "end").ToInt64Array(),
            context.Constant(node, 3, "strides").ToInt64Array());
        var axes = Enumerable.Range(0, plan.Starts.Length).Where(plan.IsSliced).ToArray();
        var x = context.UseInput(node, 0);
        if (axes.Length > 0)
        {
            // A resolved end of −1 means "before index 0" (negative steps); ONNX would read −1 as the last index.
            x = context.Add("Slice", plan.Shrink.Length == 0 ? node.Name : node.Name + "/slice", [
                x,
                context.AddInitializer(node.Name + "/starts", TensorData.Int64Vector([.. axes.Select(a => plan.Starts[a])])),
                context.AddInitializer(node.Name + "/ends", TensorData.Int64Vector([.. axes.Select(a => plan.Ends[a] < 0 ? long.MinValue : plan.Ends[a])])),
                context.AddInitializer(node.Name + "/axes", TensorData.Int64Vector([.. axes.Select(a => (long)a)])),
                context.AddInitializer(node.Name + "/steps", TensorData.Int64Vector([.. axes.Select(a => plan.Steps[a])]))]);
        }

        if (plan.Shrink.Length > 0)
        {
            x = context.Add("Squeeze", node.Name, [x, context.AddInitializer(node.Name + "/squeeze_axes", TensorData.Int64Vector([.. plan.Shrink.Select(a => (long)a)]))]);
        }
        else if (axes.Length == 0)
        {
            x = context.Add("Identity", node.Name, [x]);
        }

        context.SetOutput(node, 0, x, input.Type, plan.OutputShape);
    }

    public static TensorData FoldGatherNd(TfNode node, TensorData data, TensorData indices)
    {
        var shape = GatherNdShape(node, data.Shape, indices.Shape);
        var depth = (int)indices.Shape[^1];
        var strides = ShapeMath.Strides(data.Shape);
        var sliceSize = (int)ShapeMath.ElementCount(data.Shape[depth..]);
        var tuples = depth == 0 ? (int)ShapeMath.ElementCount(indices.Shape[..^1]) : indices.Count / depth;
        var flat = indices.ToInt64Array();
        var map = new int[tuples * sliceSize];
        for (var t = 0; t < tuples; t++)
        {
            long offset = 0;
            for (var d = 0; d < depth; d++)
            {
                var at = flat[(t * depth) + d];
                if (at < 0 || at >= data.Shape[d])
                {
                    throw new ConversionException($"GatherNd node '{node.Name}': index {at} is outside axis {d} of {ShapeMath.Format(data.Shape)}.");
                }

                offset += at * strides[d];
            }

            for (var k = 0; k < sliceSize; k++)
            {
                map[(t * sliceSize) + k] = (int)offset + k;
            }
        }

        return data.Gather(shape, map);
    }

    public static TensorData FoldArgMax(TfNode node, TensorData input, TensorData dimension)
    {
        var axis = ArgMaxAxis(node, input.Shape.Length, dimension);
        var values = input.IsFloat ? Array.ConvertAll(input.Floats, v => (double)v) : Array.ConvertAll(input.Ints, v => (double)v);
        var outer = (int)ShapeMath.ElementCount(input.Shape[..axis]);
        var length = (int)input.Shape[axis];
        var inner = (int)ShapeMath.ElementCount(input.Shape[(axis + 1)..]);
        var result = new long[outer * inner];
        for (var o = 0; o < outer; o++)
        {
            for (var i = 0; i < inner; i++)
            {
                var best = 0;
                for (var k = 1; k < length; k++)
                {
                    // Strictly greater: the first maximum wins, as in TF and ONNX (select_last_index = 0).
                    if (values[(((o * length) + k) * inner) + i] > values[(((o * length) + best) * inner) + i])
                    {
                        best = k;
                    }
                }

                result[(o * inner) + i] = best;
            }
        }

        return TensorData.FromInts(OutputType(node), [.. input.Shape.Where((_, d) => d != axis)], result);
    }

    public static TensorData FoldStridedSlice(TfNode node, IReadOnlyList<TensorData> inputs)
    {
        var input = inputs[0];
        var plan = SlicePlan.Resolve(node, input.Shape, inputs[1].ToInt64Array(), inputs[2].ToInt64Array(), inputs[3].ToInt64Array());
        return input.Slice(plan.Starts, plan.Steps, plan.SlicedShape).Reshape(plan.OutputShape);
    }

    private static long[] GatherNdShape(TfNode node, long[] data, long[] indices)
    {
        var depth = indices.Length == 0 ? -1 : indices[^1];
        if (depth < 0 || depth > data.Length)
        {
            throw new ConversionException(
                $"GatherNd node '{node.Name}': indices {ShapeMath.Format(indices)} need a static last dimension of at most the rank of params {ShapeMath.Format(data)}.");
        }

        return [.. indices[..^1], .. data[(int)depth..]];
    }

    private static int ArgMaxAxis(TfNode node, int rank, TensorData dimension)
    {
        var values = dimension.ToInt64Array();
        if (values.Length != 1)
        {
            throw new ConversionException($"ArgMax node '{node.Name}': dimension must hold one value, got {values.Length}.");
        }

        return ShapeMath.Axis(values[0], rank);
    }

    private static ElementType OutputType(TfNode node)
    {
        var type = TfTypes.ToElementType(node.GetDataType("output_type") ?? "DT_INT64", node);
        return type is ElementType.Int32 or ElementType.Int64
            ? type
            : throw new ConversionException($"ArgMax node '{node.Name}': output_type {type} is not an integer type.");
    }
}
