namespace Vsa.Edge.Agent.Core.Detection;

/// <summary>Per-class greedy non-maximum suppression, in place and without allocation.</summary>
public static class Nms
{
    /// <summary>
    /// Sorts by score (descending), then keeps a box only if no kept box of the same class overlaps it with an IoU above
    /// <paramref name="iouThreshold"/>. The kept boxes stay sorted by score, descending.
    /// </summary>
    public static void Apply(List<Detection> detections, float iouThreshold)
    {
        ArgumentNullException.ThrowIfNull(detections);
        if (detections.Count < 2)
        {
            return;
        }

        // A static Comparison is cached by the compiler; Sort(IComparer) would allocate a delegate around Compare per call.
        detections.Sort(CompareByScoreDescending);
        var kept = 0;
        for (var i = 0; i < detections.Count; i++)
        {
            var candidate = detections[i];
            var suppressed = false;
            for (var k = 0; k < kept; k++)
            {
                var other = detections[k];
                if (other.ClassId == candidate.ClassId && other.Box.IoU(candidate.Box) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                detections[kept++] = candidate;
            }
        }

        detections.RemoveRange(kept, detections.Count - kept);
    }

    /// <summary>Score descending; ties broken by class and position so the order does not depend on the input order.</summary>
    private static int CompareByScoreDescending(Detection x, Detection y)
    {
        var c = y.Score.CompareTo(x.Score);
        if (c == 0)
        {
            c = x.ClassId.CompareTo(y.ClassId);
        }

        if (c == 0)
        {
            c = x.Box.X.CompareTo(y.Box.X);
        }

        return c != 0 ? c : x.Box.Y.CompareTo(y.Box.Y);
    }
}
