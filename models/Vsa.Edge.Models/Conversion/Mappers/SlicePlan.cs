using Vsa.Edge.Models.Tfjs;

namespace Vsa.Edge.Models.Conversion.Mappers;

/// <summary>
/// A TF <c>StridedSlice</c> resolved against a static input shape, following TF's own canonicalisation
/// (<c>ValidateStridedSliceOp</c>): per input axis a start, an exclusive end (−1 = before index 0 when stepping
/// backwards), a step and the slice length; then the axes that <c>shrink_axis_mask</c> removes.
/// </summary>
/// <remarks>
/// <c>begin_mask</c>, <c>end_mask</c> and <c>shrink_axis_mask</c> are supported. <c>ellipsis_mask</c> and
/// <c>new_axis_mask</c> are refused: no model the project converts uses them (MoveNet and NanoDet have no
/// StridedSlice at all), and supporting them untested would be worse than a clear error.
/// </remarks>
internal sealed class SlicePlan
{
    private SlicePlan(long[] shape, long[] starts, long[] ends, long[] steps, long[] sliced, int[] shrink)
    {
        Shape = shape;
        Starts = starts;
        Ends = ends;
        Steps = steps;
        SlicedShape = sliced;
        Shrink = shrink;
        OutputShape = [.. sliced.Where((_, i) => !shrink.Contains(i))];
    }

    public long[] Shape { get; }

    public long[] Starts { get; }

    public long[] Ends { get; }

    public long[] Steps { get; }

    /// <summary>Length of every input axis after slicing, before the shrunk axes are removed.</summary>
    public long[] SlicedShape { get; }

    /// <summary>Input axes removed by <c>shrink_axis_mask</c>, ascending.</summary>
    public int[] Shrink { get; }

    public long[] OutputShape { get; }

    /// <summary>Whether the plan changes an axis (anything but the whole axis read forwards).</summary>
    public bool IsSliced(int axis) => Starts[axis] != 0 || Steps[axis] != 1 || Ends[axis] != Shape[axis];

    public static SlicePlan Resolve(TfNode node, long[] shape, long[] begin, long[] end, long[] strides)
    {
        foreach (var unsupported in new[] { "ellipsis_mask", "new_axis_mask" })
        {
            if (node.GetInt(unsupported, 0) != 0)
            {
                throw new ConversionException(
                    $"StridedSlice node '{node.Name}': {unsupported}={node.GetInt(unsupported, 0)} is not supported (only begin_mask, end_mask and shrink_axis_mask).");
            }
        }

        var count = begin.Length;
        if (end.Length != count || strides.Length != count || count > shape.Length)
        {
            throw new ConversionException(
                $"StridedSlice node '{node.Name}': begin/end/strides of lengths {begin.Length}/{end.Length}/{strides.Length} for an input of rank {shape.Length}.");
        }

        var (beginMask, endMask, shrinkMask) = (node.GetInt("begin_mask", 0), node.GetInt("end_mask", 0), node.GetInt("shrink_axis_mask", 0));
        var rank = shape.Length;
        var (starts, ends, steps, sliced) = (new long[rank], new long[rank], new long[rank], new long[rank]);
        var shrink = new List<int>();
        for (var i = 0; i < rank; i++)
        {
            var dim = shape[i];
            if (i >= count)
            {
                // Axes past the spec are taken whole.
                (starts[i], ends[i], steps[i], sliced[i]) = (0, dim, 1, dim);
                continue;
            }

            var stride = strides[i];
            if (dim < 0 || stride == 0)
            {
                throw new ConversionException(
                    $"StridedSlice node '{node.Name}': axis {i} needs a static size and a non-zero stride (size {dim}, stride {stride}).");
            }

            var bit = 1L << i;
            if ((shrinkMask & bit) != 0)
            {
                // TF reads begin[i] as a plain index here (masks ignored), possibly from the end.
                var index = begin[i] < 0 ? begin[i] + dim : begin[i];
                if (index < 0 || index >= dim || stride < 0)
                {
                    throw new ConversionException($"StridedSlice node '{node.Name}': shrinking axis {i} of size {dim} at index {begin[i]} with stride {stride}.");
                }

                (starts[i], ends[i], steps[i], sliced[i]) = (index, index + 1, 1, 1);
                shrink.Add(i);
                continue;
            }

            var start = Canonical(begin[i], (beginMask & bit) != 0, isEnd: false, dim, stride);
            var stop = Canonical(end[i], (endMask & bit) != 0, isEnd: true, dim, stride);
            var interval = stop - start;
            var length = interval == 0 || (interval > 0) != (stride > 0) ? 0 : ((Math.Abs(interval) + Math.Abs(stride) - 1) / Math.Abs(stride));
            (starts[i], ends[i], steps[i], sliced[i]) = (start, stop, stride, length);
        }

        return new SlicePlan(shape, starts, ends, steps, sliced, [.. shrink]);
    }

    /// <summary>A begin or end index made absolute and clamped, or the masked default (TF's <c>canonical</c>).</summary>
    private static long Canonical(long value, bool masked, bool isEnd, long dim, long stride)
    {
        var forward = stride > 0;
        if (masked)
        {
            return (forward, isEnd) switch
            {
                (true, false) => 0,
                (true, true) => dim,
                (false, false) => dim - 1,
                (false, true) => -1,
            };
        }

        var absolute = value < 0 ? value + dim : value;
        return forward ? Math.Clamp(absolute, 0, dim) : Math.Clamp(absolute, -1, dim - 1);
    }
}
