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
public sealed record ValidationReport(bool Passed, string? Reason, int Matched, int Expected, int Extra, TimeSpan LoadTime, double MillisecondsPerFrame, double Fps)
{
    /// <summary>A failure before any figure: <paramref name="reason"/>, after <paramref name="loadTime"/>.</summary>
    public static ValidationReport Failed(string reason, TimeSpan loadTime) => new(false, reason, 0, 0, 0, loadTime, 0, 0);
}

/// <summary>The shell every model validation shares: load (timed), run, and dispose the model unless it passed.</summary>
public static class ValidationShell
{
    /// <summary>
    /// Loads a model with <paramref name="load"/> (a <see cref="ModelException"/> is a failed report), runs <paramref name="run"/>
    /// with the load time, and returns the model only when the report passed (caller owns it); otherwise it is disposed.
    /// </summary>
    public static (ValidationReport Report, TModel? Model) LoadAndRun<TModel>(Func<TModel> load, Func<TModel, TimeSpan, ValidationReport> run)
        where TModel : class, IDisposable
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentNullException.ThrowIfNull(run);
        var started = Stopwatch.GetTimestamp();
        TModel model;
        try
        {
            model = load();
        }
        catch (ModelException ex)
        {
            return (ValidationReport.Failed($"the model does not load: {ex.Message}", Stopwatch.GetElapsedTime(started)), null);
        }

        var loadTime = Stopwatch.GetElapsedTime(started);
        var passed = false;
        try
        {
            var report = run(model, loadTime);
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
}

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
        return ValidationShell.LoadAndRun(
            () => DetectorModel.Load(inference with { ModelDirectory = slotDirectory }, logger),
            (model, loadTime) => Run(model, slotDirectory, set, loadTime));
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
                    return ValidationReport.Failed($"validation frame '{frame.File}' does not decode", loadTime);
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
