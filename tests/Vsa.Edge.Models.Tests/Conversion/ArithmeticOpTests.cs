using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Tests.Support;

namespace Vsa.Edge.Models.Tests.Conversion;

/// <summary>
/// The element-wise ops MoveNet's decoding head uses (FloorDiv, SquaredDifference, Sqrt, Mul, Sub, RealDiv, Cast), mapped
/// (run by ONNX Runtime) and folded, against plain C# arithmetic with numpy broadcasting written out.
/// </summary>
public sealed class ArithmeticOpTests
{
    private static readonly long[] Dividends = [-7, -6, -5, -1, 0, 1, 5, 6, 7, 2303, -2303, 47];

    [Theory]
    [InlineData(48)]
    [InlineData(5)]
    [InlineData(-5)]
    public void FloorDiv_Int32WithNegatives_RoundsTowardMinusInfinity(long divisor)
    {
        var a = TensorData.FromInts(ElementType.Int32, [2, 6], Dividends);
        var b = TensorData.FromInts(ElementType.Int32, [], [divisor]);
        long[] expected = [.. Dividends.Select(v => (long)Math.Floor(v / (double)divisor))];

        var results = SingleOp.Run("FloorDiv", [OpInput.Fed(a), OpInput.Fixed(b)]);

        TensorAssert.BothEqual(results, TensorData.FromInts(ElementType.Int32, [2, 6], expected));
        // −7 // 5 = −2 where C#'s / (and ONNX Div) give −1: the test data tells floor from truncation.
        Assert.Contains(Dividends, v => v % divisor != 0 && v / divisor != (long)Math.Floor(v / (double)divisor));
    }

    [Fact]
    public void FloorDiv_Float32BothAtRunTime_FloorsTheQuotient()
    {
        var a = TensorData.FromFloats([4], [-7.5f, 7.5f, -0.5f, 9f]);
        var b = TensorData.FromFloats([4], [2f, -2f, 3f, 3f]);

        var results = SingleOp.Run("FloorDiv", [OpInput.Fed(a), OpInput.Fed(b)]);

        TensorAssert.BothEqual(results, TensorData.FromFloats([4], [-4f, -4f, -1f, 3f]));
    }

    [Fact]
    public void SquaredDifference_BroadcastConstantGrid_MatchesFormula()
    {
        // MoveNet: a constant [H, W, 1] coordinate grid minus per-keypoint [K] positions → [H, W, K] distances².
        var grid = TensorData.FromFloats([3, 4, 1], [.. Enumerable.Range(0, 12).Select(i => (float)(i / 4))]);
        var positions = TensorData.FromFloats([5], [0.5f, 1.25f, 2f, -1f, 3.5f]);
        var expected = new float[60];
        for (var i = 0; i < 12; i++)
        {
            for (var k = 0; k < 5; k++)
            {
                var d = grid.Floats[i] - positions.Floats[k];
                expected[(i * 5) + k] = d * d;
            }
        }

        var results = SingleOp.Run("SquaredDifference", [OpInput.Fixed(grid), OpInput.Fed(positions)]);

        TensorAssert.BothEqual(results, TensorData.FromFloats([3, 4, 5], expected));
    }

    [Fact]
    public void Sqrt_PositiveValues_MatchesMathSqrt()
    {
        var x = TensorData.FromFloats([2, 3], [0f, 1f, 2f, 9f, 0.25f, 1e4f]);

        var results = SingleOp.Run("Sqrt", [OpInput.Fed(x)]);

        TensorAssert.BothEqual(results, TensorData.FromFloats([2, 3], [.. x.Floats.Select(MathF.Sqrt)]));
    }

    [Theory]
    [InlineData("Mul")]
    [InlineData("Sub")]
    [InlineData("RealDiv")]
    public void Binary_Float32RowBroadcast_MatchesFormula(string op)
    {
        var a = TensorData.FromFloats([2, 3], TfGraphBuilder.Ramp(6, 2f));
        var b = TensorData.FromFloats([3], [1.5f, -2f, 0.25f]);
        Func<float, float, float> eval = op switch { "Mul" => (x, y) => x * y, "Sub" => (x, y) => x - y, _ => (x, y) => x / y };
        float[] expected = [.. Enumerable.Range(0, 6).Select(i => eval(a.Floats[i], b.Floats[i % 3]))];

        var results = SingleOp.Run(op, [OpInput.Fed(a), OpInput.Fed(b)]);

        TensorAssert.BothEqual(results, TensorData.FromFloats([2, 3], expected));
    }

    [Theory]
    [InlineData("Mul")]
    [InlineData("Sub")]
    public void Binary_Int32WithInt32Constant_StaysInt32(string op)
    {
        // MoveNet: column = argmax − row·48, all int32.
        var a = TensorData.FromInts(ElementType.Int32, [4], [0, 7, -3, 2303]);
        var b = TensorData.FromInts(ElementType.Int32, [], [48]);
        long[] expected = [.. a.Ints.Select(v => op == "Mul" ? v * 48 : v - 48)];

        var results = SingleOp.Run(op, [OpInput.Fed(a), OpInput.Fixed(b)]);

        TensorAssert.BothEqual(results, TensorData.FromInts(ElementType.Int32, [4], expected));
    }

    [Fact]
    public void Cast_Int32ToFloat_ExactValues()
    {
        var a = TensorData.FromInts(ElementType.Int32, [1, 2, 2], [0, 255, -1, 16_777_216]);

        var results = SingleOp.Run("Cast", [OpInput.Fed(a)], new() { ["DstT"] = new(DataType: "DT_FLOAT") });

        TensorAssert.BothEqual(results, TensorData.FromFloats([1, 2, 2], [0f, 255f, -1f, 16_777_216f]));
    }

    [Fact]
    public void Cast_FloatToInt32_TruncatesTowardZero()
    {
        var a = TensorData.FromFloats([5], [-1.7f, -0.2f, 0.9f, 2.5f, 47.99f]);

        var results = SingleOp.Run("Cast", [OpInput.Fed(a)], new() { ["DstT"] = new(DataType: "DT_INT32") });

        TensorAssert.BothEqual(results, TensorData.FromInts(ElementType.Int32, [5], [-1, 0, 0, 2, 47]));
    }
}
