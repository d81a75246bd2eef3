using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Tests.Support;
using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>The ops CenterNet's head adds (Mean, Equal, TopKV2, FloorMod, GatherV2), run by ONNX Runtime against plain C#.</summary>
public sealed class SelectionOpTests
{
    [Fact]
    public void FloorMod_Int32WithNegatives_TakesTheDivisorsSign()
    {
        long[] values = [-7, -1, 0, 1, 7, 2303];
        var a = TensorData.FromInts(ElementType.Int32, [6], values);
        var b = TensorData.FromInts(ElementType.Int32, [], [-5]);

        var results = SingleOp.Run("FloorMod", [OpInput.Fed(a), OpInput.Fixed(b)]);

        // Python's −7 % −5 = −2, 7 % −5 = −3 (C#'s % gives 2 for the latter: the data tells the two apart).
        TensorAssert.BothEqual(results, TensorData.FromInts(ElementType.Int32, [6], [.. values.Select(v => (long)(v - (Math.Floor(v / -5.0) * -5)))]));
    }

    [Fact]
    public void Mean_KeepDimsOverHeightAndWidth_AveragesEachChannel()
    {
        var x = TensorData.FromFloats([1, 2, 2, 3], [.. Enumerable.Range(0, 12).Select(i => (float)i)]);
        var axes = TensorData.FromInts(ElementType.Int32, [2], [1, 2]);

        var result = SingleOp.RunMapped("Mean", [OpInput.Fed(x), OpInput.Fixed(axes)], new() { ["keep_dims"] = new TfAttr(Bool: true) });

        TensorAssert.Equal(TensorData.FromFloats([1, 1, 1, 3], [4.5f, 5.5f, 6.5f]), Assert.Single(result));
    }

    [Fact]
    public void TopKV2_UnsortedScores_LargestFirstWithInt32Indices()
    {
        var x = TensorData.FromFloats([1, 6], [0.1f, 0.9f, 0.3f, 0.7f, 0.2f, 0.8f]);
        var k = TensorData.FromInts(ElementType.Int32, [], [3]);

        var result = SingleOp.RunMapped("TopKV2", [OpInput.Fed(x), OpInput.Fixed(k)], new() { ["sorted"] = new TfAttr(Bool: true) }, outputs: 2);

        TensorAssert.Equal(TensorData.FromFloats([1, 3], [0.9f, 0.8f, 0.7f]), result[0]);
        TensorAssert.Equal(TensorData.FromInts(ElementType.Int32, [1, 3], [1, 5, 3]), result[1]);
    }

    [Fact]
    public void GatherV2_RowsByRuntimeIndices_PicksThoseRows()
    {
        var data = TensorData.FromFloats([4, 2], [0, 1, 10, 11, 20, 21, 30, 31]);
        var indices = TensorData.FromInts(ElementType.Int32, [3], [3, 0, 3]);
        var axis = TensorData.FromInts(ElementType.Int32, [], [0]);

        var result = SingleOp.RunMapped("GatherV2", [OpInput.Fixed(data), OpInput.Fed(indices), OpInput.Fixed(axis)]);

        TensorAssert.Equal(TensorData.FromFloats([3, 2], [30, 31, 0, 1, 30, 31]), Assert.Single(result));
    }

    [Fact]
    public void Equal_HeatMapAgainstItsMax_TrueAtPeaks()
    {
        var heat = TensorData.FromFloats([4], [0.2f, 0.9f, 0.9f, 0.4f]);
        var max = TensorData.FromFloats([4], [0.9f, 0.9f, 0.9f, 0.9f]);

        var converted = new TfjsToOnnxConverter().Convert(EqualThenCast(heat, max));
        var result = SingleOp.RunOnnx(converted.Graph, [heat]);

        TensorAssert.Equal(TensorData.FromFloats([4], [0f, 1f, 1f, 0f]), Assert.Single(result));
    }

    // Equal's bool output cast to float, as CenterNet does (the test harness reads no bool tensors).
    private static TfGraph EqualThenCast(TensorData heat, TensorData max)
    {
        var b = new TfGraphBuilder();
        var x = b.Placeholder("heat", heat.Type, heat.Shape);
        var m = b.Const("max", max);
        var equal = b.Op("Equal", "equal", [x, m], null);
        var cast = b.Op("Cast", "cast", [equal], new() { ["DstT"] = new TfAttr(DataType: "DT_FLOAT"), ["SrcT"] = new TfAttr(DataType: "DT_BOOL") });
        return b.Build([cast]);
    }
}
