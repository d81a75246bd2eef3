using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>
/// Small graphs converted and run with ONNX Runtime, checked against straightforward C# implementations of the TF
/// semantics (SAME padding puts the odd pixel bottom/right, −inf PadV2 before MaxPool, half-pixel bilinear resize).
/// </summary>
public sealed class ConverterOpTests
{
    [Fact]
    public void Convert_Conv2DSameStride2OddPaddingWithBias_MatchesTfSemantics()
    {
        const int size = 6, cin = 2, cout = 3, k = 3, stride = 2;
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, size, size, cin);
        var filterValues = TfGraphBuilder.Ramp(k * k * cin * cout, 0.3f);
        var filter = b.Const("w", TensorData.FromFloats([k, k, cin, cout], filterValues));
        float[] biasValues = [0.5f, -0.25f, 1f];
        var conv = b.Op("Conv2D", "conv", [x, filter], new Dictionary<string, TfAttr>
        {
            ["strides"] = new(Ints: [1, stride, stride, 1]),
            ["padding"] = new(String: "SAME"),
            ["data_format"] = new(String: "NHWC"),
        });
        var bias = b.Const("bias", TensorData.FromFloats([cout], biasValues));
        var add = b.Op("AddV2", "add", [conv, bias]);
        var input = TfGraphBuilder.Ramp(size * size * cin);

        var (actual, shape, graph) = TfGraphBuilder.ConvertAndRun(b.Build(add), input, [1, size, size, cin]);

        // out = ceil(6/2) = 3; total padding (3-1)*2 + 3 - 6 = 1, all of it at the bottom/right.
        Assert.Equal([1L, 3, 3, cout], shape);
        for (var oy = 0; oy < 3; oy++)
        {
            for (var ox = 0; ox < 3; ox++)
            {
                for (var oc = 0; oc < cout; oc++)
                {
                    var expected = biasValues[oc];
                    for (var ky = 0; ky < k; ky++)
                    {
                        for (var kx = 0; kx < k; kx++)
                        {
                            var (iy, ix) = ((oy * stride) + ky, (ox * stride) + kx);
                            for (var ic = 0; ic < cin; ic++)
                            {
                                if (iy < size && ix < size)
                                {
                                    expected += input[(((iy * size) + ix) * cin) + ic] * filterValues[(((((ky * k) + kx) * cin) + ic) * cout) + oc];
                                }
                            }
                        }
                    }

                    Assert.Equal(expected, actual[(((oy * 3) + ox) * cout) + oc], 5);
                }
            }
        }

        // The bias went into the Conv (no Add left) and the layout Transposes stayed at the graph's edges.
        Assert.DoesNotContain(graph.Nodes, n => n.OpType == "Add");
        Assert.Equal(3, Assert.Single(graph.Nodes, n => n.OpType == "Conv").Inputs.Count);
    }

    [Fact]
    public void Convert_FusedDepthwiseWithBiasAndRelu6_MatchesTfSemantics()
    {
        const int size = 5, cin = 2, mult = 2, k = 3;
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, size, size, cin);
        var filterValues = TfGraphBuilder.Ramp(k * k * cin * mult, 2f);
        float[] biasValues = [0.5f, -0.5f, 1f, 3f];
        var conv = b.Op("FusedDepthwiseConv2dNative", "dw", [
            x,
            b.Const("w", TensorData.FromFloats([k, k, cin, mult], filterValues)),
            b.Const("bias", TensorData.FromFloats([cin * mult], biasValues))], new Dictionary<string, TfAttr>
        {
            ["strides"] = new(Ints: [1, 1, 1, 1]),
            ["padding"] = new(String: "SAME"),
            ["fused_ops"] = new(Strings: ["BiasAdd", "Relu6"]),
        });
        var input = TfGraphBuilder.Ramp(size * size * cin, 1f);

        var (actual, shape, _) = TfGraphBuilder.ConvertAndRun(b.Build(conv), input, [1, size, size, cin]);

        // Output channel c·mult + m reads input channel c with filter [.., .., c, m] (TF depthwise layout).
        Assert.Equal([1L, size, size, cin * mult], shape);
        var clipped = 0;
        for (var oy = 0; oy < size; oy++)
        {
            for (var ox = 0; ox < size; ox++)
            {
                for (var c = 0; c < cin; c++)
                {
                    for (var m = 0; m < mult; m++)
                    {
                        var sum = biasValues[(c * mult) + m];
                        for (var ky = 0; ky < k; ky++)
                        {
                            for (var kx = 0; kx < k; kx++)
                            {
                                var (iy, ix) = (oy + ky - 1, ox + kx - 1);
                                if (iy is >= 0 and < size && ix is >= 0 and < size)
                                {
                                    sum += input[(((iy * size) + ix) * cin) + c] * filterValues[(((((ky * k) + kx) * cin) + c) * mult) + m];
                                }
                            }
                        }

                        var expected = Math.Clamp(sum, 0f, 6f);
                        clipped += expected != sum ? 1 : 0;
                        Assert.Equal(expected, actual[(((oy * size) + ox) * cin * mult) + (c * mult) + m], 4);
                    }
                }
            }
        }

        Assert.True(clipped > 0, "the test data should exercise the Relu6 clamp");
    }

    [Fact]
    public void Convert_NegativeInfinityPadThenValidMaxPool_FoldsIntoPoolAndMatchesTf()
    {
        const int size = 5;
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, 1, size, size);
        var paddings = b.Const("p", TensorData.FromInts(ElementType.Int32, [4, 2], [0, 0, 0, 0, 1, 1, 1, 1]));
        var fill = b.Const("fill", TensorData.FloatScalar(float.NegativeInfinity));
        var padded = b.Op("PadV2", "pad", [x, paddings, fill]);
        var toNhwc = b.Op("Transpose", "t1", [padded, b.Ints("perm1", 0, 2, 3, 1)]);
        var pool = b.Op("MaxPool", "pool", [toNhwc], new Dictionary<string, TfAttr>
        {
            ["ksize"] = new(Ints: [1, 3, 3, 1]),
            ["strides"] = new(Ints: [1, 2, 2, 1]),
            ["padding"] = new(String: "VALID"),
        });
        var back = b.Op("Transpose", "t2", [pool, b.Ints("perm2", 0, 3, 1, 2)]);
        var input = TfGraphBuilder.Ramp(size * size, 1f);

        var (actual, shape, graph) = TfGraphBuilder.ConvertAndRun(b.Build(back), input, [1, 1, size, size]);

        Assert.Equal([1L, 1, 3, 3], shape);
        for (var oy = 0; oy < 3; oy++)
        {
            for (var ox = 0; ox < 3; ox++)
            {
                var expected = float.NegativeInfinity;
                for (var ky = 0; ky < 3; ky++)
                {
                    for (var kx = 0; kx < 3; kx++)
                    {
                        var (iy, ix) = ((oy * 2) + ky - 1, (ox * 2) + kx - 1);
                        if (iy is >= 0 and < size && ix is >= 0 and < size)
                        {
                            expected = Math.Max(expected, input[(iy * size) + ix]);
                        }
                    }
                }

                Assert.Equal(expected, actual[(oy * 3) + ox]);
            }
        }

        Assert.Equal(["MaxPool"], graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void Convert_ResizeBilinearHalfPixel_MatchesTfFormula()
    {
        const int inSize = 3, outSize = 6;
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, inSize, inSize, 1);
        var resize = b.Op("ResizeBilinear", "resize", [x, b.Ints("size", outSize, outSize)], new Dictionary<string, TfAttr>
        {
            ["half_pixel_centers"] = new(Bool: true),
            ["align_corners"] = new(Bool: false),
        });
        var input = TfGraphBuilder.Ramp(inSize * inSize, 1f);

        var (actual, shape, _) = TfGraphBuilder.ConvertAndRun(b.Build(resize), input, [1, inSize, inSize, 1]);

        Assert.Equal([1L, outSize, outSize, 1], shape);
        static (int Lo, int Hi, float T) Source(int o)
        {
            // TF half_pixel_centers: in = (o + 0.5)·scale − 0.5, clamped to the image at both ends.
            var f = ((o + 0.5f) * inSize / outSize) - 0.5f;
            var lo = (int)MathF.Floor(f);
            return (Math.Max(lo, 0), Math.Min(lo + 1, inSize - 1), f - lo);
        }

        for (var oy = 0; oy < outSize; oy++)
        {
            for (var ox = 0; ox < outSize; ox++)
            {
                var (y0, y1, ty) = Source(oy);
                var (x0, x1, tx) = Source(ox);
                float At(int yy, int xx) => input[(yy * inSize) + xx];
                var top = At(y0, x0) + ((At(y0, x1) - At(y0, x0)) * tx);
                var bottom = At(y1, x0) + ((At(y1, x1) - At(y1, x0)) * tx);
                Assert.Equal(top + ((bottom - top) * ty), actual[(oy * outSize) + ox], 5);
            }
        }
    }

    [Fact]
    public void Convert_SparseToDenseShapeArithmetic_FoldsToConstantReshape()
    {
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, 4, 6);
        var zeros = b.Op("SparseToDense", "std", [
            b.Const("idx", TensorData.FromInts(ElementType.Int64, [0, 1], [])),
            b.Const("outShape", TensorData.FromInts(ElementType.Int64, [1], [3])),
            b.Const("vals", TensorData.FromInts(ElementType.Int64, [0], [])),
            b.Const("zero", TensorData.FromInts(ElementType.Int64, [], [0]))]);
        var target = b.Op("AddV2", "shape", [b.Const("base", TensorData.FromInts(ElementType.Int64, [3], [1, 8, -1])), zeros]);
        var reshaped = b.Op("Reshape", "reshape", [x, target]);
        var input = TfGraphBuilder.Ramp(24);

        var (actual, shape, graph) = TfGraphBuilder.ConvertAndRun(b.Build(reshaped), input, [1, 4, 6]);

        Assert.Equal([1L, 8, 3], shape);
        Assert.Equal(input, actual);
        Assert.Equal(["Reshape"], graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void Convert_UnsupportedOp_ErrorNamesOpAndNode()
    {
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, 4);
        var erf = b.Op("Erf", "model/gelu/erf", [x]);

        var error = Assert.Throws<ConversionException>(() => new TfjsToOnnxConverter().Convert(b.Build(erf)));

        Assert.Contains("'Erf'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'model/gelu/erf'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_SparseToDenseOnRuntimeValues_ErrorSaysOnlyConstantIsSupported()
    {
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, 3);
        var std = b.Op("SparseToDense", "dense", [x, b.Ints("s", 3), b.Ints("v", 1), b.Ints("d", 0)]);

        var error = Assert.Throws<ConversionException>(() => new TfjsToOnnxConverter().Convert(b.Build(std)));

        Assert.Contains("'dense'", error.Message, StringComparison.Ordinal);
        Assert.Contains("constant", error.Message, StringComparison.Ordinal);
    }
}
