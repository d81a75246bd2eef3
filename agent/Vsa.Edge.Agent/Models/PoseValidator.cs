using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// The pose counterpart of <see cref="ModelValidator"/>: loads a candidate MoveNet from its slot into its own session on
/// the configured execution providers, runs every packed person crop through the agent's own pose pass
/// (<see cref="PoseEstimator"/>: the same square crop, turns and sampling as in a camera pipeline) and compares the
/// keypoints with those the packing machine computed (<see cref="PoseComparison"/>). The keypoints compared are the
/// package's, on the package's own frames; nothing of them leaves this method but counts and distances.
/// </summary>
public static class PoseValidator
{
    /// <summary>Validates the pose model unpacked in <paramref name="slotDirectory"/>; the loaded model is returned when it passed (caller owns it).</summary>
    public static (ValidationReport Report, PoseModel? Model) Validate(string slotDirectory, ValidationSet set, PoseOptions pose, InferenceOptions inference, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(pose);
        ArgumentNullException.ThrowIfNull(inference);
        if (set.Pose is null)
        {
            return (ValidationReport.Failed("the package has no pose validation set (validation.pose)", TimeSpan.Zero), null);
        }

        var tolerance = set.Pose;
        return ValidationShell.LoadAndRun(
            () => PoseModel.Load(pose with { ModelDirectory = slotDirectory }, inference.ExecutionProviders, logger),
            (model, loadTime) => Run(model, slotDirectory, set, tolerance, loadTime));
    }

    private static ValidationReport Run(PoseModel model, string slotDirectory, ValidationSet set, PoseTolerance tolerance, TimeSpan loadTime)
    {
        using var estimator = model.CreateEstimator();
        var actual = new float[PoseModel.Keypoints * 3];
        int crops = 0, failed = 0;
        string? firstMiss = null;
        long ticks = 0;
        var warmed = false;
        foreach (var frame in set.Frames)
        {
            using var image = Cv2.ImRead(Path.Combine(slotDirectory, frame.File), ImreadModes.Color);
            if (image.Empty())
            {
                return ValidationReport.Failed($"validation frame '{frame.File}' does not decode", loadTime);
            }

            foreach (var expected in frame.Poses ?? [])
            {
                if (expected.Keypoints.Count != actual.Length)
                {
                    return ValidationReport.Failed($"'{frame.File}': {expected.Keypoints.Count / 3} packed keypoints, the model gives {PoseModel.Keypoints}", loadTime);
                }

                var box = new NormBox(expected.X, expected.Y, expected.Width, expected.Height);
                if (!warmed)
                {
                    // One warm-up run: the first run of a session allocates and (TensorRT) may finish building.
                    estimator.Estimate(image, box, 0);
                    warmed = true;
                }

                var timed = Stopwatch.GetTimestamp();
                estimator.Estimate(image, box, 0);
                ticks += Stopwatch.GetTimestamp() - timed;
                for (var k = 0; k < PoseModel.Keypoints; k++)
                {
                    (var x, var y, actual[(k * 3) + 2]) = estimator.Keypoint(k);
                    (actual[k * 3], actual[(k * 3) + 1]) = ((float)x, (float)y);
                }

                crops++;
                var c = PoseComparison.Compare(expected, actual, image.Cols, image.Rows, tolerance);
                if (!c.Within)
                {
                    failed++;
                    firstMiss ??= $"{frame.File} box ({expected.X:0.000},{expected.Y:0.000}): {c.Describe(tolerance)}";
                }
            }
        }

        var ms = crops > 0 ? Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds / crops : 0;
        var fps = ms > 0 ? 1000 / ms : double.PositiveInfinity;
        var reason = crops == 0 ? "the validation set holds no person crop"
            : failed > tolerance.MaxFailedCrops ? $"{failed} of {crops} packed poses not reproduced (at most {tolerance.MaxFailedCrops}; first: {firstMiss})"
            : set.MinFps > 0 && fps < set.MinFps ? $"pose rate {fps:0.0}/s below the package's {set.MinFps:0.0}/s"
            : null;
        return new ValidationReport(reason is null, reason, crops - failed, crops, 0, loadTime, ms, fps);
    }
}

/// <summary>How one person crop's keypoints compare with the packed ones.</summary>
/// <param name="Within">Both figures within the package's tolerances.</param>
/// <param name="MeanDistance">Mean distance over the packed keypoints scoring at least the minimum, as a fraction of the box's longer side.</param>
/// <param name="MeanScoreDifference">Mean absolute keypoint score difference over all keypoints.</param>
public readonly record struct PoseCropComparison(bool Within, double MeanDistance, double MeanScoreDifference)
{
    /// <summary>The figures against their bounds.</summary>
    public string Describe(PoseTolerance tolerance)
    {
        ArgumentNullException.ThrowIfNull(tolerance);
        return $"mean keypoint distance {MeanDistance:0.000} of the box (at most {tolerance.MaxMeanDistance:0.000}), mean score difference {MeanScoreDifference:0.000} (at most {tolerance.ScoreTolerance:0.000})";
    }
}

/// <summary>Compares the keypoints a device computes for a packed person crop with the packed ones (pure).</summary>
public static class PoseComparison
{
    /// <summary>
    /// Compares <paramref name="actual"/> (x, y frame-normalised and score per keypoint) with <paramref name="expected"/> on a
    /// frame of <paramref name="frameWidth"/> × <paramref name="frameHeight"/> pixels. Distances are measured in pixels and
    /// divided by the box's longer side in pixels, so a tolerance means the same on any frame size and person size.
    /// </summary>
    public static PoseCropComparison Compare(ExpectedPose expected, ReadOnlySpan<float> actual, int frameWidth, int frameHeight, PoseTolerance tolerance)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(tolerance);
        var count = expected.Keypoints.Count / 3;
        if (count == 0 || actual.Length < count * 3)
        {
            return new PoseCropComparison(false, double.PositiveInfinity, double.PositiveInfinity);
        }

        var side = Math.Max(expected.Width * (double)frameWidth, expected.Height * (double)frameHeight);
        double distance = 0, scores = 0;
        var compared = 0;
        for (var k = 0; k < count; k++)
        {
            var (ex, ey, es) = (expected.Keypoints[k * 3], expected.Keypoints[(k * 3) + 1], expected.Keypoints[(k * 3) + 2]);
            var (ax, ay, a) = (actual[k * 3], actual[(k * 3) + 1], actual[(k * 3) + 2]);
            scores += Math.Abs(a - es);
            if (es >= tolerance.MinKeypointScore)
            {
                var (dx, dy) = ((ax - ex) * (double)frameWidth, (ay - ey) * (double)frameHeight);
                distance += Math.Sqrt((dx * dx) + (dy * dy)) / side;
                compared++;
            }
        }

        var meanDistance = compared > 0 ? distance / compared : 0;
        var meanScore = scores / count;
        return new PoseCropComparison(meanDistance <= tolerance.MaxMeanDistance && meanScore <= tolerance.ScoreTolerance, meanDistance, meanScore);
    }
}
