using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Agent.Models;

/// <summary>The outcome of running a package's validation set on this device.</summary>
/// <param name="Passed">Every frame matched within tolerance, extras within bound, rate above the gate.</param>
/// <param name="Reason">Why it failed; null when it passed.</param>
/// <param name="Matched">Expected detections found, all frames.</param>
/// <param name="Expected">Expected detections, all frames.</param>
/// <param name="Extra">Unmatched device detections, all frames.</param>
/// <param name="LoadTime">Session creation (on a Jetson: where the TensorRT engine is built or read from its cache).</param>
/// <param name="MillisecondsPerFrame">Mean pre-process + model run + decode time per validation frame (after one warm-up run).</param>
/// <param name="Fps">Model rate implied by <paramref name="MillisecondsPerFrame"/>.</param>
public sealed record ValidationReport(bool Passed, string? Reason, int Matched, int Expected, int Extra, TimeSpan LoadTime, double MillisecondsPerFrame, double Fps);

/// <summary>
/// Loads a candidate model from its slot into its own session on the configured execution providers, runs the package's
/// validation frames through the agent's own pre-processing, model run and decoding, and compares with what the
/// packing machine found. A conversion or numerical fault on this device (or scrambled weights) fails here, before the
/// model serves a frame.
/// </summary>
public static class ModelValidator
{
    /// <summary>Validates the model unpacked in <paramref name="slotDirectory"/>; the loaded model is returned when it passed (caller owns it).</summary>
    public static (ValidationReport Report, DetectorModel? Model) Validate(string slotDirectory, ValidationSet set, InferenceOptions inference, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(inference);
        var started = Stopwatch.GetTimestamp();
        DetectorModel model;
        try
        {
            model = DetectorModel.Load(For(inference, slotDirectory), logger);
        }
        catch (ModelException ex)
        {
            return (new ValidationReport(false, $"the model does not load: {ex.Message}", 0, 0, 0, Stopwatch.GetElapsedTime(started), 0, 0), null);
        }

        var loadTime = Stopwatch.GetElapsedTime(started);
        var passed = false;
        try
        {
            var report = Run(model, slotDirectory, set, loadTime);
            passed = report.Passed;
            return (report, passed ? model : null);
        }
        finally
        {
            if (!passed)
            {
                model.Dispose();
            }
        }
    }

    /// <summary>Inference options for a model in <paramref name="directory"/>, the rest as configured (the manifest's threshold).</summary>
    public static InferenceOptions For(InferenceOptions o, string directory)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new InferenceOptions
        {
            ModelDirectory = directory,
            ExecutionProviders = o.ExecutionProviders,
            IntraOpThreads = o.IntraOpThreads,
            AllowSpinning = o.AllowSpinning,
            ScoreThreshold = o.ScoreThreshold,
            DeviceId = o.DeviceId,
            TensorRtFp16 = o.TensorRtFp16,
            TensorRtCacheDirectory = o.TensorRtCacheDirectory,
            TensorRtTimingCache = o.TensorRtTimingCache,
            TensorRtMaxWorkspaceBytes = o.TensorRtMaxWorkspaceBytes,
            TensorRtBuilderOptimizationLevel = o.TensorRtBuilderOptimizationLevel,
            TensorRtVersion = o.TensorRtVersion,
        };
    }

    private static ValidationReport Run(DetectorModel model, string slotDirectory, ValidationSet set, TimeSpan loadTime)
    {
        using var detector = model.CreateDetector();
        var detections = new List<Detection>();
        var frames = new List<Mat>();
        try
        {
            foreach (var frame in set.Frames)
            {
                var image = Cv2.ImRead(Path.Combine(slotDirectory, frame.File), ImreadModes.Color);
                if (image.Empty())
                {
                    image.Dispose();
                    return new ValidationReport(false, $"validation frame '{frame.File}' does not decode", 0, 0, 0, loadTime, 0, 0);
                }

                frames.Add(image);
            }

            // One warm-up run: the first run of a session allocates and (TensorRT) may finish building.
            detector.Detect(frames[0], set.ScoreThreshold, detections);
            int matched = 0, expected = 0, extra = 0;
            string? firstMiss = null;
            var timed = Stopwatch.GetTimestamp();
            for (var i = 0; i < frames.Count; i++)
            {
                detector.Detect(frames[i], set.ScoreThreshold, detections);
                var c = ValidationComparison.Compare(set.Frames[i].Detections, detections, set);
                matched += c.Matched;
                expected += c.Matched + c.Missing;
                extra += c.Extra;
                firstMiss ??= c.Worst is null ? null : $"{set.Frames[i].File}: {c.Worst}";
            }

            var ms = Stopwatch.GetElapsedTime(timed).TotalMilliseconds / frames.Count;
            var fps = ms > 0 ? 1000 / ms : double.PositiveInfinity;
            var reason = matched < expected ? $"{expected - matched} of {expected} packed detections not reproduced (first: {firstMiss})"
                : extra > set.MaxExtraDetections ? $"{extra} detections the package does not have (at most {set.MaxExtraDetections})"
                : set.MinFps > 0 && fps < set.MinFps ? $"model rate {fps:0.0}/s below the package's {set.MinFps:0.0}/s"
                : null;
            return new ValidationReport(reason is null, reason, matched, expected, extra, loadTime, ms, fps);
        }
        finally
        {
            foreach (var f in frames)
            {
                f.Dispose();
            }
        }
    }
}
