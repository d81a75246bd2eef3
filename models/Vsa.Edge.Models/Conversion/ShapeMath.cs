namespace Vsa.Edge.Models.Conversion;

/// <summary>Static shape arithmetic; a dimension of -1 means "not known at conversion time".</summary>
public static class ShapeMath
{
    public static long ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        return count;
    }

    public static bool IsStatic(IReadOnlyList<long> shape) => shape.All(d => d >= 0);

    public static string Format(IReadOnlyList<long> shape) => "[" + string.Join(",", shape) + "]";

    public static long[] Strides(IReadOnlyList<long> shape)
    {
        var strides = new long[shape.Count];
        long stride = 1;
        for (var i = shape.Count - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= Math.Max(shape[i], 1);
        }

        return strides;
    }

    public static long[] Permute(IReadOnlyList<long> shape, IReadOnlyList<long> perm)
    {
        var result = new long[perm.Count];
        for (var i = 0; i < perm.Count; i++)
        {
            result[i] = shape[(int)perm[i]];
        }

        return result;
    }


    public static bool IsIdentity(IReadOnlyList<long> perm)
    {
        for (var i = 0; i < perm.Count; i++)
        {
            if (perm[i] != i)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Normalises a possibly negative axis against a rank.</summary>
    public static int Axis(long axis, int rank)
    {
        var a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for rank {rank}.");
        }

        return (int)a;
    }

    /// <summary>Numpy broadcasting of two shapes (what TF and ONNX element-wise ops both do).</summary>
    public static long[] Broadcast(IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        var rank = Math.Max(a.Count, b.Count);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i - (rank - a.Count) >= 0 ? a[i - (rank - a.Count)] : 1;
            var db = i - (rank - b.Count) >= 0 ? b[i - (rank - b.Count)] : 1;
            if (da != db && da != 1 && db != 1 && da >= 0 && db >= 0)
            {
                throw new ArgumentException($"Shapes {Format(a)} and {Format(b)} do not broadcast.");
            }

            result[i] = da == 1 ? db : da;
        }

        return result;
    }

    /// <summary>Resolves a TF/ONNX reshape target (one -1 allowed) against the input's element count.</summary>
    public static long[] ResolveReshape(IReadOnlyList<long> input, IReadOnlyList<long> target)
    {
        var result = target.ToArray();
        var unknown = Array.IndexOf(result, -1L);
        if (unknown >= 0 && IsStatic(input))
        {
            long known = 1;
            for (var i = 0; i < result.Length; i++)
            {
                if (i != unknown)
                {
                    known *= result[i];
                }
            }

            result[unknown] = known == 0 ? 0 : ElementCount(input) / known;
        }

        return result;
    }

    /// <summary>Output size of a convolution or pooling window along one axis.</summary>
    public static long WindowOutput(long input, long kernel, long stride, long dilation, long padBegin, long padEnd)
    {
        if (input < 0)
        {
            return -1;
        }

        var effective = ((kernel - 1) * dilation) + 1;
        return ((input + padBegin + padEnd - effective) / stride) + 1;
    }

    /// <summary>TensorFlow "SAME" padding along one axis: the odd pixel goes to the end (bottom/right).</summary>
    public static (long Begin, long End) SamePadding(long input, long kernel, long stride, long dilation)
    {
        if (input < 0)
        {
            throw new ArgumentException("SAME padding needs a static input size.", nameof(input));
        }

        var effective = ((kernel - 1) * dilation) + 1;
        var output = (input + stride - 1) / stride;
        var total = Math.Max(((output - 1) * stride) + effective - input, 0);
        return (total / 2, total - (total / 2));
    }
}
