using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Commands;

/// <summary>
/// What <c>analyze</c> replays, opened in the order a failure is reported: the camera file, the video source, the detector,
/// the camera's rules against it, and the pose model when an enabled event (person_down) uses it. The pipeline itself
/// comes from <see cref="Pipelines"/>, the same factory <c>run</c> uses, with the default <c>Analysis</c> settings.
/// </summary>
internal sealed class AnalyzeInputs : IDisposable
{
    private AnalyzeInputs(CameraConfig? camera, IFrameSource source, DetectorModel model, RuleEngine? rules, PoseModel? pose, CameraPipelineFactory pipelines)
    {
        (Camera, Source, Model, Rules, Pose, Pipelines) = (camera, source, model, rules, pose, pipelines);
    }

    public CameraConfig? Camera { get; }

    public IFrameSource Source { get; }

    public DetectorModel Model { get; }

    public RuleEngine? Rules { get; }

    public PoseModel? Pose { get; }

    public CameraPipelineFactory Pipelines { get; }

    /// <summary>Everything opened, or null with the error written and the exit code to return.</summary>
    public static async Task<(AnalyzeInputs? Inputs, int Exit)> OpenAsync(AnalyzeArguments a, InferenceOptions inference, TextWriter stderr, TimeProvider time, ILoggerFactory loggers)
    {
        CameraConfig? camera = null;
        if (a.Camera is not null)
        {
            try
            {
                camera = CameraConfigLoader.Load(a.Camera);
            }
            catch (CameraConfigException ex)
            {
                await WriteCameraErrorsAsync(stderr, a.Camera, ex).ConfigureAwait(false);
                return (null, AnalyzeCommand.ExitCamera);
            }
            catch (IOException ex)
            {
                await stderr.WriteLineAsync($"error: camera file '{a.Camera}' cannot be read: {ex.Message}").ConfigureAwait(false);
                return (null, AnalyzeCommand.ExitCamera);
            }
        }

        var factory = new OpenCvFrameSourceFactory(time, loggers.CreateLogger<OpenCvFrameSourceFactory>()) { ReplayStart = a.Start };
        IFrameSource source;
        try
        {
            source = factory.Open(a.Source);
        }
        catch (FrameSourceException ex)
        {
            await stderr.WriteLineAsync($"error: {FrameSourceSpec.Redact(ex.Message)}").ConfigureAwait(false);
            return (null, AnalyzeCommand.ExitSource);
        }

        DetectorModel? model = null;
        PoseModel? pose = null;
        var handedOver = false;
        try
        {
            try
            {
                model = DetectorModel.Load(inference, loggers.CreateLogger<DetectorModel>());
            }
            catch (ModelException ex)
            {
                await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return (null, AnalyzeCommand.ExitModel);
            }

            var pipelines = new CameraPipelineFactory(a.DeviceId, model, AnalysisSettings.Defaults, time, loggers);
            RuleEngine? rules = null;
            if (camera is not null)
            {
                try
                {
                    rules = pipelines.BuildRules(camera);
                }
                catch (CameraConfigException ex)
                {
                    // Valid on its own, but naming something the model does not have (a category, a class).
                    await WriteCameraErrorsAsync(stderr, a.Camera!, ex).ConfigureAwait(false);
                    return (null, AnalyzeCommand.ExitCamera);
                }
            }

            // The pose model is loaded only when an enabled event (person_down) uses it.
            if (rules is not null && (rules.Inputs & RuleInputs.Pose) != 0)
            {
                try
                {
                    pose = PoseModel.Load(new PoseOptions { ModelDirectory = a.PoseModelDirectory }, a.Providers, loggers.CreateLogger<PoseModel>());
                }
                catch (ModelException ex)
                {
                    await stderr.WriteLineAsync($"error: person_down needs the pose model: {ex.Message}").ConfigureAwait(false);
                    return (null, AnalyzeCommand.ExitModel);
                }
            }

            handedOver = true;
            return (new AnalyzeInputs(camera, source, model, rules, pose, pipelines), AnalyzeCommand.ExitOk);
        }
        finally
        {
            if (!handedOver)
            {
                // Whatever was opened before a failure is closed; on success the inputs own it.
                pose?.Dispose();
                model?.Dispose();
                source.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Pose?.Dispose();
        Model.Dispose();
        Source.Dispose();
    }

    private static async Task WriteCameraErrorsAsync(TextWriter stderr, string path, CameraConfigException ex)
    {
        foreach (var error in ex.Errors.DefaultIfEmpty(ex.Message))
        {
            await stderr.WriteLineAsync($"error: invalid camera file '{path}': {error}").ConfigureAwait(false);
        }
    }
}
