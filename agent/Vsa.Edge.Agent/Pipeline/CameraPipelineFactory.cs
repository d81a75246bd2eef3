using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Annotation;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>
/// The one composition path of a camera pipeline, used by <c>run</c> (<see cref="CameraRunner"/>, once per supervised
/// source) and by <c>analyze</c> (one replay): the camera's rules against the detector's manifest, its frame analysis
/// (privacy masks, pose, fire candidates, static regions, an annotator), the tracker and the pipeline itself, all from the
/// same <see cref="AnalysisSettings"/> (the bound <c>Analysis</c> section for <c>run</c>, the defaults for <c>analyze</c>).
/// </summary>
public sealed class CameraPipelineFactory(string deviceId, DetectorModel model, AnalysisSettings settings, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>The settings pipelines are built with.</summary>
    public AnalysisSettings Settings => settings;

    /// <summary>The detector model whose manifest the rules and analysis are built against.</summary>
    public DetectorModel Model => model;

    /// <summary>The rules of <paramref name="camera"/> against the model, enforcing <paramref name="authorisation"/> when given; throws <see cref="CameraConfigException"/>.</summary>
    public RuleEngine BuildRules(CameraConfig camera, CameraAuthorisation? authorisation = null)
    {
        ArgumentNullException.ThrowIfNull(camera);
        return new RuleEngine(camera, model.Manifest, deviceId, settings.Rules) { Authorisation = authorisation };
    }

    /// <summary>
    /// What runs on each frame besides the detector: everything <paramref name="camera"/> enables (masks first), or only
    /// the annotator when there is no camera (a bare replay of the detector).
    /// </summary>
    public FrameAnalysis BuildAnalysis(CameraConfig? camera, RuleEngine? rules, PoseModel? pose, IFrameAnnotator? annotator = null) =>
        camera is null
            ? new FrameAnalysis(null, null, null, null, null, annotator)
            : FrameAnalysis.Create(camera, rules, model.Manifest, pose, settings.Fire, annotator, settings.StaticRegions);

    /// <summary>A pipeline on an opened source; it owns neither the source, the detector nor the analysis.</summary>
    public CameraPipeline Create(
        string cameraId,
        IFrameSource source,
        OnnxDetector detector,
        RuleEngine? rules,
        IPipelineSink sink,
        PipelineOptions options,
        PipelineStats stats,
        FrameAnalysis analysis,
        Suspension.ICameraSuspension? suspension = null) =>
        new(cameraId, source, detector, new ByteTracker(settings.Tracker), rules, sink, options, stats, time, loggers.CreateLogger<CameraPipeline>())
        {
            Analysis = analysis,
            Suspension = suspension,
        };

    /// <summary>
    /// The options of a live pipeline: the host owns the mode (live, files paced), the score threshold
    /// (<c>Inference:ScoreThreshold</c> or the model's) and the frame age (<c>Capture:MaxFrameAge</c>); <c>Analysis:Pipeline</c> gives the rest.
    /// </summary>
    public PipelineOptions Live(TimeSpan maxFrameAge) => new()
    {
        Replay = false,
        PaceFiles = true,
        ScoreThreshold = model.ScoreThreshold,
        MaxFrameAge = maxFrameAge,
        Every = settings.Pipeline.Every,
        CandidateScoreThreshold = settings.Pipeline.CandidateScoreThreshold,
        FrameQueueCapacity = settings.Pipeline.FrameQueueCapacity,
    };

    /// <summary>The options of a replay as fast as the machine allows, every <paramref name="every"/>th frame.</summary>
    public PipelineOptions Replay(int every) => new() { Replay = true, Every = every, ScoreThreshold = model.ScoreThreshold };
}
