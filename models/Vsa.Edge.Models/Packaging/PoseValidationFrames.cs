using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Models.Packaging;

/// <summary>
/// A pose package's validation set: frames of the clip (lossless PNG, as the agent decodes them), the person boxes a
/// detector finds on them (the crops the agent would hand the pose pass), and the keypoints this machine computes for
/// each box through the agent's own pose pass (<see cref="PoseEstimator"/>: crop, turns, sampling, model run) on the CPU.
/// The keypoints are of people in the demo clip, computed here; a device compares its own in memory and reports only
/// counts and distances.
/// </summary>
public static class PoseValidationFrames
{
    /// <summary>The events a pose model serves (wire names): those whose rules read pose evidence.</summary>
    public static IReadOnlyList<string> Events { get; } = [.. PoseRequirements.EventsUsingPose.Select(EventTypes.ToWireName)];

    /// <summary>Computes the frames and their packed poses; the PNGs are added to <paramref name="contents"/>.</summary>
    public static List<ValidationFrame> Compute(PackRequest request, Dictionary<string, Func<Stream>> contents)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(contents);
        var detectorDirectory = request.Detector ?? Path.Combine(CachePaths.DefaultRoot(), "models", "nanodet-coco");
        using var detectorModel = DetectorModel.Load(new InferenceOptions { ModelDirectory = detectorDirectory, ExecutionProviders = ["CPU"] }, NullLogger.Instance);
        using var detector = detectorModel.CreateDetector();
        var persons = FrameAnalysis.PersonClasses(detectorModel.Manifest);
        if (!persons.Contains(true))
        {
            throw new InvalidDataException($"the detector in '{detectorDirectory}' has no 'person' category: it cannot give the pose validation crops");
        }

        using var poseModel = PoseModel.Load(new PoseOptions { ModelDirectory = request.ExpectFrom ?? request.ModelDirectory }, ["CPU"], NullLogger.Instance);
        using var estimator = poseModel.CreateEstimator();
        var detections = new List<Detection>();
        var results = ValidationFrameSampler.Sample(request, contents, (decoded, index, path) =>
        {
            detector.Detect(decoded, detectorModel.ScoreThreshold, detections);
            var poses = detections
                .Where(d => (uint)d.ClassId < (uint)persons.Length && persons[d.ClassId])
                .OrderByDescending(d => d.Box.Width * d.Box.Height)
                .Take(request.PersonsPerFrame)
                .Select(d => Measure(estimator, decoded, d.Box))
                .ToList();
            return new ValidationFrame(path, index, [], poses);
        });

        return results.Sum(f => f.Poses!.Count) > 0
            ? results
            : throw new InvalidDataException($"no person found in the validation frames of '{request.Clip}': a pose package needs person crops");
    }

    private static ExpectedPose Measure(PoseEstimator estimator, Mat frame, NormBox box)
    {
        estimator.Estimate(frame, box, 0);
        var keypoints = new float[PoseModel.Keypoints * 3];
        for (var k = 0; k < PoseModel.Keypoints; k++)
        {
            var (x, y, score) = estimator.Keypoint(k);
            (keypoints[k * 3], keypoints[(k * 3) + 1], keypoints[(k * 3) + 2]) = ((float)x, (float)y, score);
        }

        return new ExpectedPose(box.X, box.Y, box.Width, box.Height, keypoints);
    }
}
