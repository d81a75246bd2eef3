using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Tests.Support;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>GatherNd, ArgMax and StridedSlice, mapped (run by ONNX Runtime) and folded, against index-loop references.</summary>
public sealed class IndexingOpTests
{
    private static readonly TensorData Params = TensorData.FromFloats([2, 3, 4], TfGraphBuilder.Ramp(24, 1f));

    [Fact]
    public void GatherNd_Int32IndicesAtRunTime_PicksRowsLikeMoveNet()
    {
        // Depth 2 of rank 3: each index pair picks a row of 4 values.
        long[] pairs = [0, 1, 1, 2, 1, 0];
        var indices = TensorData.FromInts(ElementType.Int32, [3, 2], pairs);
        var expected = new float[12];
        for (var t = 0; t < 3; t++)
        {
            for (var k = 0; k < 4; k++)
            {
                expected[(t * 4) + k] = Params.Floats[(((pairs[t * 2] * 3) + pairs[(t * 2) + 1]) * 4) + k];
            }
        }

        var results = SingleOp.Run("GatherNd", [OpInput.Fed(Params), OpInput.Fed(indices)]);

        TensorAssert.BothEqual(results, TensorData.FromFloats([3, 4], expected));
        Assert.Contains(results.MappedGraph.Nodes, n => n.OpType == "Cast");
    }

    [Fact]
    public void GatherNd_FullDepthConstantIndices_PicksScalars()
    {
        long[] triples = [1, 2, 3, 0, 0, 0, 1, 0, 2];
        var indices = TensorData.FromInts(ElementType.Int32, [3, 3], triples);
        float[] expected = [.. Enumerable.Range(0, 3).Select(t => Params.Floats[(((triples[t * 3] * 3) + triples[(t * 3) + 1]) * 4) + triples[(t * 3) + 2]])];

        var results = SingleOp.Run("GatherNd", [OpInput.Fed(Params), OpInput.Fixed(indices)]);

        TensorAssert.BothEqual(results, TensorData.FromFloats([3], expected));
    }

    [Fact]
    public void GatherNd_ConstantIndexOutOfRange_ErrorNamesNode()
    {
        var indices = TensorData.FromInts(ElementType.Int32, [1, 2], [0, 3]);

        var error = Assert.Throws<ConversionException>(() => SingleOp.Fold("GatherNd", [OpInput.Fixed(Params), OpInput.Fixed(indices)]));

        Assert.Contains("'op'", error.Message, StringComparison.Ordinal);
        Assert.Contains("index 3", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "DT_INT32")]
    [InlineData(1, "DT_INT32")]
    [InlineData(-1, "DT_INT64")]
    public void ArgMax_AxisWithTies_FirstMaximumInTfOutputType(long dimension, string outputType)
    {
        // Values 0..3 repeat, so every lane holds ties; TF and ONNX both return the first maximum.
        float[] values = [.. Enumerable.Range(0, 24).Select(i => (float)((i * 7) % 4))];
        var input = TensorData.FromFloats([2, 3, 4], values);
        var axis = (int)(dimension < 0 ? dimension + 3 : dimension);
        long[] shape = [.. input.Shape.Where((_, d) => d != axis)];
        var expected = new long[ShapeMath.ElementCount(shape)];
        var strides = ShapeMath.Strides(input.Shape);
        var outAt = 0;
        for (var i = 0; i < 24; i++)
        {
            var coordinate = i / strides[axis] % input.Shape[axis];
            if (coordinate != 0)
            {
                continue;
            }

            var best = 0L;
            for (var k = 1; k < input.Shape[axis]; k++)
            {
                best = values[i + (k * strides[axis])] > values[i + (best * strides[axis])] ? k : best;
            }

            expected[outAt++] = best;
        }

        var type = outputType == "DT_INT32" ? ElementType.Int32 : ElementType.Int64;

        var results = SingleOp.Run("ArgMax", [OpInput.Fed(input), OpInput.Fixed(TensorData.FromInts(ElementType.Int32, [], [dimension]))],
            new() { ["output_type"] = new(DataType: outputType) });

        TensorAssert.BothEqual(results, TensorData.FromInts(type, shape, expected));
    }

    [Fact]
    public void StridedSlice_NegativeIndicesStepsAndMasks_MatchesPythonSlicing()
    {
        // x[1:3, ::-2, 1::2] with begin_mask on axis 1, end_mask on axes 1 and 2; begin 99/end 0 are ignored there.
        var input = TensorData.FromFloats([4, 5, 6], TfGraphBuilder.Ramp(120, 1f));
        var results = SingleOp.Run("StridedSlice", [OpInput.Fed(input), Ints(1, 99, 1), Ints(3, 0, 0), Ints(1, -2, 2)],
            new() { ["begin_mask"] = new(Int: 0b010), ["end_mask"] = new(Int: 0b110) });

        var expected = new List<float>();
        foreach (var i in new[] { 1, 2 })
        {
            foreach (var j in new[] { 4, 2, 0 })
            {
                foreach (var k in new[] { 1, 3, 5 })
                {
                    expected.Add(input.Floats[(((i * 5) + j) * 6) + k]);
                }
            }
        }

        TensorAssert.BothEqual(results, TensorData.FromFloats([2, 3, 3], [.. expected]));
    }

    [Fact]
    public void StridedSlice_ShrinkAxisWithNegativeIndex_DropsTheAxis()
    {
        // x[:, -1] on [4, 5, 6]: begin/end masked on axis 0, axis 1 shrunk at index 4, axis 2 whole (past the spec).
        var input = TensorData.FromFloats([4, 5, 6], TfGraphBuilder.Ramp(120, 1f));
        var results = SingleOp.Run("StridedSlice", [OpInput.Fed(input), Ints(0, -1), Ints(0, 0), Ints(1, 1)],
            new() { ["begin_mask"] = new(Int: 1), ["end_mask"] = new(Int: 1), ["shrink_axis_mask"] = new(Int: 2) });

        float[] expected = [.. Enumerable.Range(0, 24).Select(n => input.Floats[((((n / 6) * 5) + 4) * 6) + (n % 6)])];
        TensorAssert.BothEqual(results, TensorData.FromFloats([4, 6], expected));
    }

    [Fact]
    public void StridedSlice_NegativeStepToTheStart_KeepsIndexZero()
    {
        // x[3::-1]: the resolved end is "before 0", which ONNX must not read as "the last index".
        var input = TensorData.FromFloats([5], [10f, 11f, 12f, 13f, 14f]);

        var results = SingleOp.Run("StridedSlice", [OpInput.Fed(input), Ints(3), Ints(0), Ints(-1)], new() { ["end_mask"] = new(Int: 1) });

        TensorAssert.BothEqual(results, TensorData.FromFloats([4], [13f, 12f, 11f, 10f]));
    }

    [Theory]
    [InlineData("ellipsis_mask")]
    [InlineData("new_axis_mask")]
    public void StridedSlice_UnsupportedMask_ErrorNamesMaskAndNode(string mask)
    {
        var b = new TfGraphBuilder();
        var slice = b.Op("StridedSlice", "model/slice", [b.Placeholder("x", 2, 3), b.Ints("b", 0), b.Ints("e", 1), b.Ints("s", 1)],
            new() { [mask] = new(Int: 1) });

        var error = Assert.Throws<ConversionException>(() => new TfjsToOnnxConverter().Convert(b.Build(slice)));

        Assert.Contains("'model/slice'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{mask}=1 is not supported", error.Message, StringComparison.Ordinal);
    }

    private static OpInput Ints(params long[] values) => OpInput.Fixed(TensorData.FromInts(ElementType.Int32, [values.Length], values));
}
