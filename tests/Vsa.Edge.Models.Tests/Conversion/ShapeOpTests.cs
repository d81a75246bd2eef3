using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Tests.Support;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>
/// ExpandDims, Squeeze, Pack and Unpack, each mapped (run by ONNX Runtime) and folded (computed at conversion time),
/// against references written with explicit index loops.
/// </summary>
public sealed class ShapeOpTests
{
    private static readonly TensorData X = TensorData.FromFloats([2, 3, 4], TfGraphBuilder.Ramp(24));

    [Theory]
    [InlineData(0, new long[] { 1, 2, 3, 4 })]
    [InlineData(2, new long[] { 2, 3, 1, 4 })]
    [InlineData(-1, new long[] { 2, 3, 4, 1 })]
    public void ExpandDims_AxisIncludingNegative_InsertsSizeOneAxis(long dim, long[] expectedShape)
    {
        var results = SingleOp.Run("ExpandDims", [OpInput.Fed(X), OpInput.Fixed(Int32(dim))]);

        TensorAssert.BothEqual(results, TensorData.FromFloats(expectedShape, X.Floats));
    }

    [Fact]
    public void Squeeze_ListedAxes_RemovesOnlyThose()
    {
        var input = TensorData.FromFloats([1, 3, 1, 2], TfGraphBuilder.Ramp(6));

        var results = SingleOp.Run("Squeeze", [OpInput.Fed(input)], new() { ["squeeze_dims"] = new(Ints: [-2]) });

        TensorAssert.BothEqual(results, TensorData.FromFloats([1, 3, 2], input.Floats));
    }

    [Fact]
    public void Squeeze_NoAxesListed_RemovesEverySizeOneAxis()
    {
        var input = TensorData.FromFloats([1, 3, 1, 2], TfGraphBuilder.Ramp(6));

        var results = SingleOp.Run("Squeeze", [OpInput.Fed(input)]);

        TensorAssert.BothEqual(results, TensorData.FromFloats([3, 2], input.Floats));
    }

    [Fact]
    public void Squeeze_AxisOfSizeThree_ErrorNamesNodeAndAxis()
    {
        var b = new TfGraphBuilder();
        var squeeze = b.Op("Squeeze", "model/squeeze", [b.Placeholder("x", 1, 3)], new() { ["squeeze_dims"] = new(Ints: [1]) });

        var error = Assert.Throws<ConversionException>(() => new TfjsToOnnxConverter().Convert(b.Build(squeeze)));

        Assert.Contains("'model/squeeze'", error.Message, StringComparison.Ordinal);
        Assert.Contains("axis 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Pack_ThreeTensors_StacksAlongNewAxis(long axis)
    {
        TensorData[] parts = [.. Enumerable.Range(0, 3).Select(k => TensorData.FromFloats([2, 4], TfGraphBuilder.Ramp(8, 1f + k)))];
        var a = axis < 0 ? axis + 3 : axis;
        long[] shape = a switch { 0 => [3, 2, 4], 1 => [2, 3, 4], _ => [2, 4, 3] };
        var expected = new float[24];
        for (var k = 0; k < 3; k++)
        {
            for (var i = 0; i < 2; i++)
            {
                for (var j = 0; j < 4; j++)
                {
                    var at = a switch { 0 => (((k * 2) + i) * 4) + j, 1 => (((i * 3) + k) * 4) + j, _ => (((i * 4) + j) * 3) + k };
                    expected[at] = parts[k].Floats[(i * 4) + j];
                }
            }
        }

        var results = SingleOp.Run("Pack", [.. parts.Select(OpInput.Fed)], new() { ["axis"] = new(Int: axis), ["N"] = new(Int: 3) });

        TensorAssert.BothEqual(results, TensorData.FromFloats(shape, expected));
    }

    [Fact]
    public void Pack_ConstantAndRuntimeInt32_KeepsInt32LikeMoveNetIndices()
    {
        // MoveNet: stack([batch index 0 (constant), row (computed), column (computed)], axis=1) → GatherNd indices [1, 3].
        var row = TensorData.FromInts(ElementType.Int32, [1], [7]);
        var column = TensorData.FromInts(ElementType.Int32, [1], [30]);

        var results = SingleOp.Run("Pack", [OpInput.Fixed(Int32Vector(0)), OpInput.Fed(row), OpInput.Fed(column)], new() { ["axis"] = new(Int: 1) });

        TensorAssert.BothEqual(results, TensorData.FromInts(ElementType.Int32, [1, 3], [0, 7, 30]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Unpack_Axis_SplitsIntoSqueezedSlices(long axis)
    {
        var a = (int)(axis < 0 ? axis + 3 : axis);
        var count = (int)X.Shape[a];
        var expected = new TensorData[count];
        for (var k = 0; k < count; k++)
        {
            var values = new List<float>();
            for (var i = 0; i < 2; i++)
            {
                for (var j = 0; j < 3; j++)
                {
                    for (var l = 0; l < 4; l++)
                    {
                        if ((a == 0 ? i : a == 1 ? j : l) == k)
                        {
                            values.Add(X.Floats[(((i * 3) + j) * 4) + l]);
                        }
                    }
                }
            }

            expected[k] = TensorData.FromFloats([.. X.Shape.Where((_, d) => d != a)], [.. values]);
        }

        var results = SingleOp.Run("Unpack", [OpInput.Fed(X)], new() { ["axis"] = new(Int: axis), ["num"] = new(Int: count) }, outputs: count);

        TensorAssert.BothEqual(results, expected);
    }

    [Fact]
    public void Unpack_NumDifferentFromAxisSize_ErrorNamesNode()
    {
        var b = new TfGraphBuilder();
        var unpack = b.Op("Unpack", "unstack", [b.Placeholder("x", 2, 3)], new() { ["axis"] = new(Int: 1), ["num"] = new(Int: 2) });

        var error = Assert.Throws<ConversionException>(() => new TfjsToOnnxConverter().Convert(b.Build(unpack)));

        Assert.Contains("'unstack'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Convert_UnstackBatchOfOneThenExpandDims_CancelsToNothing()
    {
        // MoveNet's input: unstack the batch of one, expand, squeeze, stack again — the identity, four nodes long.
        var b = new TfGraphBuilder();
        var x = b.Placeholder("x", 1, 2, 3);
        var unstacked = b.Op("Unpack", "unstack", [x], new() { ["axis"] = new(Int: 0), ["num"] = new(Int: 1) });
        var expanded = b.Op("ExpandDims", "expand", [unstacked, b.Ints("dim", 0)]);
        var squeezed = b.Op("Squeeze", "squeeze", [expanded], new() { ["squeeze_dims"] = new(Ints: [0]) });
        var stacked = b.Op("Pack", "stack", [squeezed], new() { ["axis"] = new(Int: 0), ["N"] = new(Int: 1) });
        var doubled = b.Op("Mul", "double", [stacked, b.Const("two", TensorData.FloatScalar(2f))]);
        var input = TfGraphBuilder.Ramp(6, 1f);

        var (actual, shape, graph) = TfGraphBuilder.ConvertAndRun(b.Build(doubled), input, [1, 2, 3]);

        Assert.Equal(["Mul"], graph.Nodes.Select(n => n.OpType));
        Assert.Equal("x", graph.Nodes[0].Inputs[0]);
        Assert.Equal([1L, 2, 3], shape);
        Assert.Equal(input.Select(v => v * 2f), actual);
    }

    private static TensorData Int32(long value) => TensorData.FromInts(ElementType.Int32, [], [value]);

    private static TensorData Int32Vector(params long[] values) => TensorData.FromInts(ElementType.Int32, [values.Length], values);
}
