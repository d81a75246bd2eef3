using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>
/// Convolutions and pooling. TF computes them in NHWC with HWIO filters; ONNX only in NCHW with OIHW filters, so an
/// NHWC op becomes <c>Transpose → Conv → Transpose</c> with the filter transposed at conversion time. The layout
/// Transposes cancel against their neighbours in <see cref="Passes.GraphCleanup"/>.
/// </summary>
public static class ConvolutionOps
{
    private static readonly long[] ToNchw = [0, 3, 1, 2];
    private static readonly long[] ToNhwc = [0, 2, 3, 1];
    private static readonly long[] Ones = [1, 1, 1, 1];

    public static void Register(OpRegistry registry)
    {
        registry.Map("Conv2D", (node, context) => Convolution(node, context, depthwise: false));
        registry.Map("_FusedConv2D", (node, context) => Convolution(node, context, depthwise: false));
        registry.Map("DepthwiseConv2dNative", (node, context) => Convolution(node, context, depthwise: true));
        registry.Map("FusedDepthwiseConv2dNative", (node, context) => Convolution(node, context, depthwise: true));
        registry.Map("MaxPool", MaxPool);
    }

    private static void Convolution(TfNode node, ConversionContext context, bool depthwise)
    {
        var x = context.Input(node, 0);
        var filter = context.Constant(node, 1, "filter");
        if (x.Rank != 4 || filter.Shape.Length != 4)
        {
            throw new ConversionException($"{node.Op} node '{node.Name}': only 2-D convolutions on rank-4 tensors are supported.");
        }

        var nhwc = IsNhwc(node);
        var input = nhwc ? ShapeMath.Permute(x.Shape, ToNchw) : x.Shape;
        var (kh, kw, cin, cout) = (filter.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]);
        TensorData weights;
        long group;
        if (depthwise)
        {
            // [kh, kw, Cin, multiplier] → [Cin·multiplier, 1, kh, kw], one group per input channel.
            weights = filter.Transpose([2, 3, 0, 1]).Reshape([cin * cout, 1, kh, kw]);
            group = cin;
            cout = cin * cout;
        }
        else
        {
            weights = filter.Transpose([3, 2, 0, 1]);
            group = input[1] > 0 && input[1] != cin ? input[1] / cin : 1;
        }

        var strides = Spatial(node.GetInts("strides", Ones), nhwc);
        var dilations = Spatial(node.GetInts("dilations", Ones), nhwc);
        var pads = Padding(node, input, [kh, kw], strides, dilations, nhwc);
        List<string> inputs = [NchwInput(node, context, nhwc), context.AddInitializer(node.Name + "/weights", weights)];
        var fusedOps = node.GetStrings("fused_ops");
        if (fusedOps.Count > 0)
        {
            if (fusedOps[0] != "BiasAdd")
            {
                throw new ConversionException($"{node.Op} node '{node.Name}': fused op '{fusedOps[0]}' is not supported (only BiasAdd first).");
            }

            inputs.Add(context.UseInput(node, 2));
        }

        var y = context.Add("Conv", node.Name + "/conv", inputs,
            ("kernel_shape", OnnxAttribute.Of([kh, kw])),
            ("strides", OnnxAttribute.Of(strides)),
            ("dilations", OnnxAttribute.Of(dilations)),
            ("pads", OnnxAttribute.Of(pads)),
            ("group", OnnxAttribute.Of(group)));
        foreach (var activation in fusedOps.Skip(1))
        {
            y = Activation(node, context, activation, y);
        }

        long[] output =
        [
            input[0], cout,
            ShapeMath.WindowOutput(input[2], kh, strides[0], dilations[0], pads[0], pads[2]),
            ShapeMath.WindowOutput(input[3], kw, strides[1], dilations[1], pads[1], pads[3]),
        ];
        Finish(node, context, nhwc, y, output);
    }

    private static string Activation(TfNode node, ConversionContext context, string activation, string input) => activation switch
    {
        "Relu" => context.Add("Relu", node.Name + "/relu", [input]),
        "Relu6" => context.Add("Clip", node.Name + "/relu6", [
            input,
            context.AddInitializer(node.Name + "/min", TensorData.FloatScalar(0f)),
            context.AddInitializer(node.Name + "/max", TensorData.FloatScalar(6f))]),
        "LeakyRelu" => context.Add("LeakyRelu", node.Name + "/leakyrelu", [input],
            ("alpha", OnnxAttribute.Of(node.GetFloat("leakyrelu_alpha", 0.2f)))),
        "Elu" => context.Add("Elu", node.Name + "/elu", [input]),
        _ => throw new ConversionException($"{node.Op} node '{node.Name}': fused activation '{activation}' is not supported."),
    };

    private static void MaxPool(TfNode node, ConversionContext context)
    {
        var x = context.Input(node, 0);
        var nhwc = IsNhwc(node);
        var input = nhwc ? ShapeMath.Permute(x.Shape, ToNchw) : x.Shape;
        var kernel = Spatial(node.GetInts("ksize", Ones), nhwc);
        var strides = Spatial(node.GetInts("strides", Ones), nhwc);
        long[] noDilation = [1, 1];
        var pads = Padding(node, input, kernel, strides, noDilation, nhwc);
        var y = context.Add("MaxPool", node.Name + "/pool", [NchwInput(node, context, nhwc)],
            ("kernel_shape", OnnxAttribute.Of(kernel)),
            ("strides", OnnxAttribute.Of(strides)),
            ("pads", OnnxAttribute.Of(pads)));
        long[] output =
        [
            input[0], input[1],
            ShapeMath.WindowOutput(input[2], kernel[0], strides[0], 1, pads[0], pads[2]),
            ShapeMath.WindowOutput(input[3], kernel[1], strides[1], 1, pads[1], pads[3]),
        ];
        Finish(node, context, nhwc, y, output);
    }

    private static bool IsNhwc(TfNode node) => node.GetString("data_format", "NHWC") switch
    {
        "NHWC" => true,
        "NCHW" => false,
        var other => throw new ConversionException($"{node.Op} node '{node.Name}': data_format '{other}' is not supported."),
    };

    private static string NchwInput(TfNode node, ConversionContext context, bool nhwc)
    {
        var x = context.UseInput(node, 0);
        return nhwc ? context.Transpose(x, ToNchw, node.Name + "/to_nchw") : x;
    }

    private static void Finish(TfNode node, ConversionContext context, bool nhwc, string nchwOutput, long[] nchwShape)
    {
        var output = nhwc ? context.Transpose(nchwOutput, ToNhwc, node.Name) : nchwOutput;
        context.SetOutput(node, 0, output, ElementType.Float32, nhwc ? ShapeMath.Permute(nchwShape, ToNhwc) : nchwShape);
    }

    /// <summary>The (H, W) entries of a 4-entry TF list given in the node's data format.</summary>
    private static long[] Spatial(IReadOnlyList<long> values, bool nhwc) => nhwc ? [values[1], values[2]] : [values[2], values[3]];

    /// <summary>ONNX pads [top, left, bottom, right] for TF's VALID / SAME / EXPLICIT padding.</summary>
    private static long[] Padding(TfNode node, long[] nchw, long[] kernel, long[] strides, long[] dilations, bool nhwc)
    {
        switch (node.GetString("padding", "VALID"))
        {
            case "VALID":
                return [0, 0, 0, 0];
            case "SAME":
                var (top, bottom) = ShapeMath.SamePadding(nchw[2], kernel[0], strides[0], dilations[0]);
                var (left, right) = ShapeMath.SamePadding(nchw[3], kernel[1], strides[1], dilations[1]);
                return [top, left, bottom, right];
            case "EXPLICIT":
                var p = node.GetInts("explicit_paddings", []);
                var (h, w) = nhwc ? (1, 2) : (2, 3);
                return [p[h * 2], p[w * 2], p[(h * 2) + 1], p[(w * 2) + 1]];
            case var other:
                throw new ConversionException($"{node.Op} node '{node.Name}': padding '{other}' is not supported.");
        }
    }
}
