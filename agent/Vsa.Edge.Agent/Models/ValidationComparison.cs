using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Agent.Models;

/// <summary>How one frame's detections compare with the packed ones.</summary>
/// <param name="Matched">Expected detections found (same class, IoU and score within tolerance).</param>
/// <param name="Missing">Expected detections not found.</param>
/// <param name="Extra">Device detections that matched nothing.</param>
/// <param name="Worst">The first missing expectation, described, for the report; null when none is missing.</param>
public readonly record struct FrameComparison(int Matched, int Missing, int Extra, string? Worst);

/// <summary>
/// Compares the detections a device computes on a validation frame with those the packing machine computed (pure).
/// Greedy: each expected detection, highest score first, takes the unused device detection of its class with the best
/// IoU; it matches when that IoU and the score difference are within the package's tolerances.
/// </summary>
public static class ValidationComparison
{
    /// <summary>Compares <paramref name="actual"/> with <paramref name="expected"/> under <paramref name="set"/>'s tolerances.</summary>
    public static FrameComparison Compare(IReadOnlyList<ExpectedDetection> expected, IReadOnlyList<Detection> actual, ValidationSet set)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(set);
        var used = new bool[actual.Count];
        int matched = 0, missing = 0;
        string? worst = null;
        foreach (var e in expected.OrderByDescending(e => e.Score))
        {
            var box = new NormBox(e.X, e.Y, e.Width, e.Height);
            var (best, bestIou) = (-1, 0f);
            for (var i = 0; i < actual.Count; i++)
            {
                if (!used[i] && actual[i].ClassId == e.ClassId && actual[i].Box.IoU(box) is var iou && iou > bestIou)
                {
                    (best, bestIou) = (i, iou);
                }
            }

            if (best >= 0 && bestIou >= set.MinIou && MathF.Abs(actual[best].Score - e.Score) <= set.ScoreTolerance)
            {
                used[best] = true;
                matched++;
                continue;
            }

            missing++;
            worst ??= best < 0
                ? $"class {e.ClassId} score {e.Score:0.00} at ({e.X:0.000},{e.Y:0.000}) not found"
                : $"class {e.ClassId} score {e.Score:0.00} at ({e.X:0.000},{e.Y:0.000}): best IoU {bestIou:0.00}, score {actual[best].Score:0.00}";
        }

        return new FrameComparison(matched, missing, used.Count(u => !u), worst);
    }
}
