using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>Graph plumbing: inputs, identities, casts and constant-only ops folded at conversion time.</summary>
public static class StructuralOps
{
    public static void Register(OpRegistry registry)
    {
        registry.Map("Placeholder", Placeholder);
        registry.Map("Identity", Identity);
        registry.Fold("Identity", (_, inputs) => [inputs[0]]);
        registry.Map("StopGradient", Identity);
        registry.Fold("StopGradient", (_, inputs) => [inputs[0]]);
        registry.Map("Cast", Cast);
        registry.Fold("Cast", (node, inputs) => [inputs[0].Cast(TfTypes.ToElementType(node.GetDataType("DstT"), node))]);
        registry.Map("SparseToDense", (node, _) => throw new ConversionException(
            $"SparseToDense node '{node.Name}' has inputs computed at run time; only constant SparseToDense (folded at conversion time) is supported."));
        registry.Fold("SparseToDense", SparseToDense);
    }

    private static void Placeholder(TfNode node, ConversionContext context)
    {
        var shape = node.Attrs.TryGetValue("shape", out var s) && s.Shape is { } dims ? dims.ToArray() : [];
        if (shape.Length == 0)
        {
            throw new ConversionException($"Placeholder '{node.Name}' has no shape; the converter needs the input rank.");
        }

        context.AddGraphInput(node, TfTypes.ToElementType(node.GetDataType("dtype"), node), shape);
    }

    private static void Identity(TfNode node, ConversionContext context) => context.SetAlias(node, 0, context.Input(node, 0));

    private static void Cast(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var type = TfTypes.ToElementType(node.GetDataType("DstT"), node);
        var output = context.Add("Cast", node.Name, [context.UseInput(node, 0)], ("to", OnnxAttribute.Of((long)type)));
        context.SetOutput(node, 0, output, type, input.Shape);
    }

    /// <summary>
    /// <c>SparseToDense(indices, output_shape, values, default)</c>. NanoDet's converter chain left these behind to
    /// compute Reshape targets from empty index lists; evaluated here so the ONNX graph gets plain constant shapes.
    /// </summary>
    public static TensorData[] SparseToDense(TfNode node, IReadOnlyList<TensorData> inputs)
    {
        var indices = inputs[0];
        var shape = inputs[1].ToInt64Array();
        var values = inputs[2];
        var fill = inputs[3];
        var strides = ShapeMath.Strides(shape);
        var count = (int)ShapeMath.ElementCount(shape);
        var rank = shape.Length;
        var entries = indices.Shape.Length switch
        {
            0 => 1,
            1 => rank <= 1 ? (int)indices.Shape[0] : 1,
            _ => (int)indices.Shape[0],
        };
        var flat = indices.ToInt64Array();
        long Offset(int entry)
        {
            long offset = 0;
            for (var d = 0; d < rank; d++)
            {
                var at = indices.Shape.Length == 2 ? flat[(entry * rank) + d] : flat[rank == 1 ? entry : d];
                if (at < 0 || at >= shape[d])
                {
                    throw new ConversionException($"SparseToDense node '{node.Name}': index {at} is outside dimension {d} of {ShapeMath.Format(shape)}.");
                }

                offset += at * strides[d];
            }

            return offset;
        }

        if (fill.IsFloat)
        {
            var dense = Enumerable.Repeat(fill.Floats[0], count).ToArray();
            var v = values.ToFloatArray();
            for (var e = 0; e < entries; e++)
            {
                dense[Offset(e)] = v.Length == 1 ? v[0] : v[e];
            }

            return [TensorData.FromFloats(shape, dense)];
        }

        var ints = Enumerable.Repeat(fill.Ints[0], count).ToArray();
        var iv = values.ToInt64Array();
        for (var e = 0; e < entries; e++)
        {
            ints[Offset(e)] = iv.Length == 1 ? iv[0] : iv[e];
        }

        return [TensorData.FromInts(fill.Type, shape, ints)];
    }
}
