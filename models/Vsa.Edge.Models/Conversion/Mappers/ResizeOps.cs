using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>Image resizing: TF <c>ResizeBilinear</c>/<c>ResizeNearestNeighbor</c> (NHWC) → ONNX <c>Resize</c> (NCHW).</summary>
public static class ResizeOps
{
    private static readonly long[] ToNchw = [0, 3, 1, 2];
    private static readonly long[] ToNhwc = [0, 2, 3, 1];

    public static void Register(OpRegistry registry)
    {
        registry.Map("ResizeBilinear", (node, context) => Resize(node, context, "linear"));
        registry.Map("ResizeNearestNeighbor", (node, context) => Resize(node, context, "nearest"));
    }

    private static void Resize(TfNode node, ConversionContext context, string mode)
    {
        var x = context.Input(node, 0);
        var size = context.Constant(node, 1, "size").ToInt64Array();
        if (x.Rank != 4 || size.Length != 2 || x.Shape[3] < 0 || (x.Shape[0] < 0 && (x.Shape[1] <= 0 || x.Shape[2] <= 0)))
        {
            throw new ConversionException($"{node.Op} node '{node.Name}': needs a rank-4 NHWC input with static channels, and static height and width when the batch is not.");
        }

        var alignCorners = node.GetBool("align_corners", false);
        var halfPixel = node.GetBool("half_pixel_centers", false);
        // TF half_pixel_centers clamps source coordinates at the border exactly as ONNX "half_pixel" does for linear.
        var transform = alignCorners ? "align_corners" : halfPixel ? (mode == "nearest" ? "tf_half_pixel_for_nn" : "half_pixel") : "asymmetric";
        long[] nchw = [x.Shape[0], x.Shape[3], size[0], size[1]];
        // A full 4-D sizes input fixes the batch; with a symbolic batch the same resize is given by scales instead
        // (exact: NanoDet's are 2 and 0.5 of sizes that are multiples of 32, and ONNX floors input × scale).
        var sizes = x.Shape[0] >= 0
            ? context.AddInitializer(node.Name + "/sizes", TensorData.Int64Vector(nchw))
            : string.Empty;
        var scales = x.Shape[0] >= 0
            ? string.Empty
            : context.AddInitializer(node.Name + "/scales", TensorData.FromFloats([4], [1f, 1f, (float)size[0] / x.Shape[1], (float)size[1] / x.Shape[2]]));
        var input = context.Transpose(context.UseInput(node, 0), ToNchw, node.Name + "/to_nchw");
        List<(string, OnnxAttribute)> attributes =
        [
            ("mode", OnnxAttribute.Of(mode)),
            ("coordinate_transformation_mode", OnnxAttribute.Of(transform)),
        ];
        if (mode == "nearest")
        {
            attributes.Add(("nearest_mode", OnnxAttribute.Of(alignCorners ? "round_prefer_ceil" : "floor")));
        }

        // Resize(X, roi, scales, sizes): roi omitted, one of scales and sizes given.
        string[] inputs = sizes.Length > 0 ? [input, string.Empty, string.Empty, sizes] : [input, string.Empty, scales];
        var resized = context.Add("Resize", node.Name + "/resize", inputs, [.. attributes]);
        var output = context.Transpose(resized, ToNhwc, node.Name);
        context.SetOutput(node, 0, output, x.Type, ShapeMath.Permute(nchw, ToNhwc));
    }
}
