using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>Element-wise ops: binary arithmetic with numpy broadcasting (same rules in TF and ONNX) and activations.</summary>
public static class ElementwiseOps
{
    private static readonly Dictionary<string, (string Onnx, Func<double, double, double> Eval)> Binary = new(StringComparer.Ordinal)
    {
        ["Add"] = ("Add", (a, b) => a + b),
        ["AddV2"] = ("Add", (a, b) => a + b),
        ["Sub"] = ("Sub", (a, b) => a - b),
        ["Mul"] = ("Mul", (a, b) => a * b),
        ["RealDiv"] = ("Div", (a, b) => a / b),
        ["Maximum"] = ("Max", Math.Max),
        ["Minimum"] = ("Min", Math.Min),
    };

    private static readonly Dictionary<string, (string Onnx, Func<double, double> Eval)> Unary = new(StringComparer.Ordinal)
    {
        ["Sigmoid"] = ("Sigmoid", v => 1 / (1 + Math.Exp(-v))),
        ["Relu"] = ("Relu", v => Math.Max(v, 0)),
        ["Tanh"] = ("Tanh", Math.Tanh),
        ["Exp"] = ("Exp", Math.Exp),
        ["Sqrt"] = ("Sqrt", Math.Sqrt),
        ["Neg"] = ("Neg", v => -v),
    };

    public static void Register(OpRegistry registry)
    {
        foreach (var (op, (onnx, eval)) in Binary)
        {
            registry.Map(op, (node, context) => MapBinary(node, context, onnx));
            registry.Fold(op, (_, inputs) => [Broadcast(inputs[0], inputs[1], eval)]);
        }

        foreach (var (op, (onnx, eval)) in Unary)
        {
            registry.Map(op, (node, context) => MapUnary(node, context, onnx));
            registry.Fold(op, (_, inputs) => [inputs[0].IsFloat
                ? TensorData.FromFloats(inputs[0].Shape, Array.ConvertAll(inputs[0].Floats, v => (float)eval(v)))
                : TensorData.FromInts(inputs[0].Type, inputs[0].Shape, Array.ConvertAll(inputs[0].Ints, v => (long)eval(v)))]);
        }

        registry.Map("FloorDiv", FloorDiv);
        registry.Fold("FloorDiv", (_, inputs) => [Broadcast(inputs[0], inputs[1], (a, b) => Math.Floor(a / b))]);
        registry.Map("SquaredDifference", SquaredDifference);
        registry.Fold("SquaredDifference", (_, inputs) => [Broadcast(inputs[0], inputs[1], (a, b) => (a - b) * (a - b))]);

        registry.Map("LeakyRelu", (node, context) =>
            MapUnary(node, context, "LeakyRelu", ("alpha", OnnxAttribute.Of(node.GetFloat("alpha", 0.2f)))));
        registry.Map("Relu6", Relu6);
    }

    private static void MapBinary(TfNode node, ConversionContext context, string onnxOp)
    {
        var (a, b, type) = Operands(node, context);
        var output = context.Add(onnxOp, node.Name, [a, b]);
        context.SetOutput(node, 0, output, type, ShapeMath.Broadcast(context.Input(node, 0).Shape, context.Input(node, 1).Shape));
    }

    /// <summary>
    /// TF FloorDiv rounds toward −∞; ONNX Div truncates integers toward zero. Floats: Floor(a / b). Integers:
    /// (a − Mod(a, b)) / b, exact because ONNX integer Mod (fmod 0) takes the divisor's sign, as Python's % does.
    /// </summary>
    private static void FloorDiv(TfNode node, ConversionContext context)
    {
        var (a, b, type) = Operands(node, context);
        string output;
        if (type == ElementType.Float32)
        {
            output = context.Add("Floor", node.Name, [context.Add("Div", node.Name + "/div", [a, b])]);
        }
        else
        {
            var remainder = context.Add("Mod", node.Name + "/mod", [a, b], ("fmod", OnnxAttribute.Of(0L)));
            output = context.Add("Div", node.Name, [context.Add("Sub", node.Name + "/sub", [a, remainder]), b]);
        }

        context.SetOutput(node, 0, output, type, ShapeMath.Broadcast(context.Input(node, 0).Shape, context.Input(node, 1).Shape));
    }

    /// <summary>TF SquaredDifference(a, b) = (a − b)²: ONNX Sub then Mul by itself.</summary>
    private static void SquaredDifference(TfNode node, ConversionContext context)
    {
        var (a, b, type) = Operands(node, context);
        var difference = context.Add("Sub", node.Name + "/sub", [a, b]);
        var output = context.Add("Mul", node.Name, [difference, difference]);
        context.SetOutput(node, 0, output, type, ShapeMath.Broadcast(context.Input(node, 0).Shape, context.Input(node, 1).Shape));
    }

    /// <summary>The two operands of a binary op as ONNX names of one element type (a constant takes the runtime value's type).</summary>
    private static (string A, string B, ElementType Type) Operands(TfNode node, ConversionContext context)
    {
        var a = context.Input(node, 0);
        var b = context.Input(node, 1);
        var type = a.IsConstant ? b.Type : a.Type;
        return (UseAs(context, a, type), UseAs(context, b, type), type);
    }

    private static string UseAs(ConversionContext context, TfValue value, ElementType type) =>
        value.Type == type || value.Constant is null ? context.Use(value) : context.AddInitializer("const", value.Constant.Cast(type));

    private static void MapUnary(TfNode node, ConversionContext context, string onnxOp, params (string, OnnxAttribute)[] attributes)
    {
        var input = context.Input(node, 0);
        var output = context.Add(onnxOp, node.Name, [context.UseInput(node, 0)], attributes);
        context.SetOutput(node, 0, output, input.Type, input.Shape);
    }

    private static void Relu6(TfNode node, ConversionContext context)
    {
        var input = context.Input(node, 0);
        var min = context.AddInitializer(node.Name + "/min", TensorData.FloatScalar(0f));
        var max = context.AddInitializer(node.Name + "/max", TensorData.FloatScalar(6f));
        var output = context.Add("Clip", node.Name, [context.UseInput(node, 0), min, max]);
        context.SetOutput(node, 0, output, input.Type, input.Shape);
    }

    /// <summary>Evaluates a broadcasting binary op on two constants.</summary>
    public static TensorData Broadcast(TensorData a, TensorData b, Func<double, double, double> eval)
    {
        var shape = ShapeMath.Broadcast(a.Shape, b.Shape);
        var count = (int)ShapeMath.ElementCount(shape);
        var aIndex = SourceIndices(a.Shape, shape);
        var bIndex = SourceIndices(b.Shape, shape);
        var av = a.IsFloat ? Array.ConvertAll(a.Floats, v => (double)v) : Array.ConvertAll(a.Ints, v => (double)v);
        var bv = b.IsFloat ? Array.ConvertAll(b.Floats, v => (double)v) : Array.ConvertAll(b.Ints, v => (double)v);
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = eval(av[aIndex[i]], bv[bIndex[i]]);
        }

        return a.IsFloat || b.IsFloat
            ? TensorData.FromFloats(shape, Array.ConvertAll(result, v => (float)v))
            : TensorData.FromInts(a.Type, shape, Array.ConvertAll(result, v => (long)v));
    }

    /// <summary>For each element of the broadcast output, the index of the element it reads in a source tensor.</summary>
    private static int[] SourceIndices(long[] source, long[] output)
    {
        var count = (int)ShapeMath.ElementCount(output);
        var offset = output.Length - source.Length;
        var sourceStrides = ShapeMath.Strides(source);
        var outputStrides = ShapeMath.Strides(output);
        var indices = new int[count];
        for (var i = 0; i < count; i++)
        {
            long rest = i;
            long at = 0;
            for (var d = 0; d < output.Length; d++)
            {
                var coordinate = rest / outputStrides[d];
                rest %= outputStrides[d];
                var sd = d - offset;
                if (sd >= 0 && source[sd] != 1)
                {
                    at += coordinate * sourceStrides[sd];
                }
            }

            indices[i] = (int)at;
        }

        return indices;
    }
}
