namespace Vsa.Edge.Models.Conversion;

/// <summary>Element types the converter handles; the values are ONNX <c>TensorProto.DataType</c> codes.</summary>
public enum ElementType
{
    Float32 = 1,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
}

/// <summary>
/// A dense constant tensor held in memory during conversion: weights read from the shards and values computed by
/// constant folding. Floats are kept as <see cref="float"/>; every integer and bool type is kept as <see cref="long"/>
/// so folding arithmetic has one code path.
/// </summary>
public sealed class TensorData
{
    private readonly float[]? _floats;
    private readonly long[]? _ints;

    private TensorData(ElementType type, long[] shape, float[]? floats, long[]? ints)
    {
        var count = ShapeMath.ElementCount(shape);
        var length = floats?.Length ?? ints!.Length;
        if (count != length)
        {
            throw new ArgumentException($"Tensor of shape {ShapeMath.Format(shape)} needs {count} values, got {length}.");
        }

        Type = type;
        Shape = shape;
        _floats = floats;
        _ints = ints;
    }

    public ElementType Type { get; }

    public long[] Shape { get; }

    public int Count => _floats?.Length ?? _ints!.Length;

    public bool IsFloat => _floats is not null;

    /// <summary>The float values; only for <see cref="ElementType.Float32"/>.</summary>
    public float[] Floats => _floats ?? throw new InvalidOperationException($"Tensor of type {Type} has no float values.");

    /// <summary>The integer values; only for integer and bool types.</summary>
    public long[] Ints => _ints ?? throw new InvalidOperationException($"Tensor of type {Type} has no integer values.");

    public static TensorData FromFloats(long[] shape, float[] values) => new(ElementType.Float32, shape, values, null);

    public static TensorData FromInts(ElementType type, long[] shape, long[] values)
    {
        if (type == ElementType.Float32)
        {
            throw new ArgumentException("Use FromFloats for float tensors.", nameof(type));
        }

        return new TensorData(type, shape, null, values);
    }

    public static TensorData Int64Vector(params long[] values) => FromInts(ElementType.Int64, [values.Length], values);

    public static TensorData FloatScalar(float value) => FromFloats([], [value]);

    /// <summary>The same values under another shape (same element count).</summary>
    public TensorData Reshape(long[] shape) => new(Type, shape, _floats, _ints);

    /// <summary>The same values as another element type (integer ↔ float, with truncation toward zero).</summary>
    public TensorData Cast(ElementType type)
    {
        if (type == Type)
        {
            return this;
        }

        if (type == ElementType.Float32)
        {
            return FromFloats(Shape, Array.ConvertAll(Ints, v => (float)v));
        }

        var ints = IsFloat ? Array.ConvertAll(Floats, v => (long)v) : Ints;
        if (type == ElementType.Bool)
        {
            ints = Array.ConvertAll(ints, v => v != 0 ? 1L : 0L);
        }
        else if (type == ElementType.Int32)
        {
            ints = Array.ConvertAll(ints, v => (long)unchecked((int)v));
        }

        return FromInts(type, Shape, ints);
    }

    /// <summary>Values as 64-bit integers (for shapes, axes, paddings...).</summary>
    public long[] ToInt64Array() => IsFloat ? Array.ConvertAll(Floats, v => (long)v) : Ints;

    /// <summary>Values as floats.</summary>
    public float[] ToFloatArray() => IsFloat ? Floats : Array.ConvertAll(Ints, v => (float)v);

    /// <summary>
    /// Copies a strided window: output element (i0, …, ik) is input element (start0 + i0·step0, …, startk + ik·stepk).
    /// The caller has resolved starts, steps and the output shape against this tensor's shape (StridedSlice, Unpack).
    /// </summary>
    public TensorData Slice(IReadOnlyList<long> starts, IReadOnlyList<long> steps, long[] outShape)
    {
        var rank = Shape.Length;
        if (starts.Count != rank || steps.Count != rank || outShape.Length != rank)
        {
            throw new ArgumentException($"Slice of a rank-{rank} tensor needs {rank} starts, steps and output dimensions.");
        }

        var inStrides = ShapeMath.Strides(Shape);
        var outStrides = ShapeMath.Strides(outShape);
        var map = new int[ShapeMath.ElementCount(outShape)];
        for (var o = 0; o < map.Length; o++)
        {
            var rest = (long)o;
            long source = 0;
            for (var a = 0; a < rank; a++)
            {
                var index = starts[a] + (rest / outStrides[a] * steps[a]);
                rest %= outStrides[a];
                if (index < 0 || index >= Shape[a])
                {
                    throw new ArgumentException($"Slice reads index {index} of axis {a}, which has {Shape[a]} elements.");
                }

                source += index * inStrides[a];
            }

            map[o] = (int)source;
        }

        return Gather(outShape, map);
    }

    /// <summary>A tensor of the given shape whose element k is this tensor's flat element <c>map[k]</c>.</summary>
    public TensorData Gather(long[] shape, int[] map)
    {
        if (IsFloat)
        {
            var src = Floats;
            return FromFloats(shape, Array.ConvertAll(map, i => src[i]));
        }

        var ints = Ints;
        return FromInts(Type, shape, Array.ConvertAll(map, i => ints[i]));
    }

    /// <summary>Copies the tensor with its axes permuted (numpy <c>transpose</c>).</summary>
    public TensorData Transpose(IReadOnlyList<long> perm)
    {
        var rank = Shape.Length;
        if (perm.Count != rank)
        {
            throw new ArgumentException($"Permutation of {perm.Count} axes for a tensor of rank {rank}.", nameof(perm));
        }

        var outShape = ShapeMath.Permute(Shape, perm);
        var inStrides = ShapeMath.Strides(Shape);
        var outStrides = ShapeMath.Strides(outShape);
        var map = new int[Count];
        var index = new long[rank];
        for (var o = 0; o < map.Length; o++)
        {
            var rest = (long)o;
            long source = 0;
            for (var a = 0; a < rank; a++)
            {
                index[a] = rest / outStrides[a];
                rest %= outStrides[a];
                source += index[a] * inStrides[perm[a]];
            }

            map[o] = (int)source;
        }

        if (IsFloat)
        {
            var src = Floats;
            return FromFloats(outShape, Array.ConvertAll(map, i => src[i]));
        }

        var ints = Ints;
        return FromInts(Type, outShape, Array.ConvertAll(map, i => ints[i]));
    }
}
