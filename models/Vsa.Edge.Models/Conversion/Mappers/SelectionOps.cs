using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>
/// The ops CenterNet's head adds (<c>centernet.json</c> of the same package): Mean (squeeze-excite pooling), Equal
/// (peak = heat map equal to its 3 × 3 max-pool), TopKV2, FloorMod, GatherV2.
/// </summary>
public static class SelectionOps
{
    public static void Register(OpRegistry registry)
    {
        registry.Map("Mean", Mean);
        registry.Map("Equal", Equal);
        registry.Map("TopKV2", TopK);
        registry.Map("FloorMod", FloorMod);
        registry.Fold("FloorMod", (_, inputs) => [FoldFloorMod(inputs[0], inputs[1])]);
        registry.Map("GatherV2", GatherV2);
    }

    /// <summary>TF <c>Mean(x, axes)</c> with <c>keep_dims</c> → ONNX ReduceMean (opset 13: axes is an attribute).</summary>
    private static void Mean(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var axes = context.Constant(node, 1, "reduction_indices").ToInt64Array().Select(a => (long)ShapeMath.Axis(a, input.Rank)).Distinct().Order().ToArray();
        var keep = node.GetBool("keep_dims", false);
        var output = context.Add("ReduceMean", node.Name, [context.UseInput(node, 0)], ("axes", OnnxAttribute.Of(axes)), ("keepdims", OnnxAttribute.Of(keep ? 1L : 0L)));
        long[] shape = keep
            ? [.. input.Shape.Select((d, i) => axes.Contains(i) ? 1 : d)]
            : [.. input.Shape.Where((_, i) => !axes.Contains(i))];
        context.SetOutput(node, 0, output, input.Type, shape);
    }

    private static void Equal(TfNode node, ConversionContext context)
    {
        var (a, b) = (context.Input(node, 0), context.Input(node, 1));
        var output = context.Add("Equal", node.Name, [context.UseInput(node, 0), context.UseInput(node, 1)]);
        context.SetOutput(node, 0, output, ElementType.Bool, ShapeMath.Broadcast(a.Shape, b.Shape));
    }

    /// <summary>TF <c>TopKV2(x, k)</c> along the last axis, sorted: ONNX TopK gives int64 indices, cast to TF's int32.</summary>
    private static void TopK(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var k = context.Constant(node, 1, "k").ToInt64Array();
        if (k.Length != 1 || input.Rank == 0)
        {
            throw new ConversionException($"TopKV2 node '{node.Name}': needs one k and an input of rank ≥ 1.");
        }

        var outputs = context.AddNode("TopK", node.Name, [context.UseInput(node, 0), context.AddInitializer(node.Name + "/k", TensorData.Int64Vector(k[0]))], 2,
            ("axis", OnnxAttribute.Of(-1L)), ("largest", OnnxAttribute.Of(1L)), ("sorted", OnnxAttribute.Of(1L)));
        long[] shape = [.. input.Shape[..^1], k[0]];
        context.SetOutput(node, 0, outputs[0], input.Type, shape);
        var indices = context.Add("Cast", node.Name + "/indices", [outputs[1]], ("to", OnnxAttribute.Of((long)ElementType.Int32)));
        context.SetOutput(node, 1, indices, ElementType.Int32, shape);
    }

    /// <summary>TF FloorMod takes the divisor's sign, as ONNX integer Mod with fmod 0 does; floats use fmod 1 corrected.</summary>
    private static void FloorMod(TfNode node, ConversionContext context)
    {
        var (a, b) = (context.Input(node, 0), context.Input(node, 1));
        if (a.Type == ElementType.Float32 || b.Type == ElementType.Float32)
        {
            throw new ConversionException($"FloorMod node '{node.Name}': only integer operands are supported.");
        }

        var type = a.IsConstant ? b.Type : a.Type;
        var output = context.Add("Mod", node.Name, [UseAs(context, a, type), UseAs(context, b, type)], ("fmod", OnnxAttribute.Of(0L)));
        context.SetOutput(node, 0, output, type, ShapeMath.Broadcast(a.Shape, b.Shape));
    }

    private static TensorData FoldFloorMod(TensorData a, TensorData b)
    {
        if (a.IsFloat || b.IsFloat || a.Count != 1 && b.Count != 1 && a.Count != b.Count)
        {
            throw new ConversionException("FloorMod: only integer constants of equal size (or one scalar) fold.");
        }

        var count = Math.Max(a.Count, b.Count);
        var values = new long[count];
        for (var i = 0; i < count; i++)
        {
            var (x, y) = (a.Ints[a.Count == 1 ? 0 : i], b.Ints[b.Count == 1 ? 0 : i]);
            values[i] = ((x % y) + y) % y;
        }

        return TensorData.FromInts(a.Type, a.Count >= b.Count ? a.Shape : b.Shape, values);
    }

    /// <summary>TF <c>GatherV2(params, indices, axis)</c> with batch_dims 0 = ONNX Gather.</summary>
    private static void GatherV2(TfNode node, ConversionContext context)
    {
        var data = context.Input(node, 0);
        var indices = context.Input(node, 1);
        if (node.GetInt("batch_dims", 0) != 0)
        {
            throw new ConversionException($"GatherV2 node '{node.Name}': batch_dims other than 0 is not supported.");
        }

        var axis = ShapeMath.Axis(context.Constant(node, 2, "axis").ToInt64Array()[0], data.Rank);
        var output = context.Add("Gather", node.Name, [context.UseInput(node, 0), context.UseInput(node, 1)], ("axis", OnnxAttribute.Of((long)axis)));
        context.SetOutput(node, 0, output, data.Type, [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]]);
    }

    private static string UseAs(ConversionContext context, TfValue value, ElementType type) =>
        value.Type == type || value.Constant is null ? context.Use(value) : context.AddInitializer("const", value.Constant.Cast(type));
}
