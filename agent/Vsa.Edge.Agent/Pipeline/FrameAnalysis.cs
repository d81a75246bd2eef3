using System.Diagnostics;
using OpenCvSharp;
using Vsa.Edge.Agent.Annotation;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Fire;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Agent.Privacy;
using Vsa.Edge.Agent.StaticRegions;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>
/// One camera's pixel work besides the detector: privacy masks blanked in every frame as soon as it is captured
/// (before the detector, the pose model, the fire detector or the debug video can see it), then, per analysed frame,
/// pose evidence for person tracks, fire candidates and static foreground regions — each only when an enabled event uses it
/// (<see cref="RuleEngine.Inputs"/>) — and the optional local debug annotator. Masks run on the capture stage, the rest
/// on the pipeline's last stage; each part is used by one thread.
/// </summary>
public sealed class FrameAnalysis : IDisposable
{
    private PrivacyMasker? _masks;
    private PoseEstimator? _poseEstimator;
    private PoseSwap? _pendingPose;
    private long _observed;
    private long _poseRunsBefore;
    private readonly PersonPoseSampler? _pose;
    private readonly FireDetector? _fire;
    private readonly StaticRegionDetector? _static;
    private readonly IFrameAnnotator? _annotator;
    private long _poseTicks;
    private long _fireTicks;
    private long _staticTicks;

    /// <param name="masks">Privacy masks, or null when the camera has none.</param>
    /// <param name="pose">Pose estimator for person tracks (owned and disposed), or null.</param>
    /// <param name="poseOptions">Candidate selection for <paramref name="pose"/>.</param>
    /// <param name="personClasses">Class index → person, for <paramref name="pose"/>.</param>
    /// <param name="fire">Fire candidate detector (owned and disposed), or null.</param>
    /// <param name="annotator">Local debug annotator (owned and disposed), or null.</param>
    /// <param name="staticRegions">Static foreground detector for abandoned objects (owned and disposed), or null.</param>
    public FrameAnalysis(PrivacyMasker? masks, PoseEstimator? pose, PoseOptions? poseOptions, bool[]? personClasses, FireDetector? fire, IFrameAnnotator? annotator, StaticRegionDetector? staticRegions = null)
    {
        _masks = masks;
        _poseEstimator = pose;
        _pose = pose is null ? null : new PersonPoseSampler(pose, poseOptions ?? new PoseOptions(), personClasses ?? throw new ArgumentNullException(nameof(personClasses)));
        _fire = fire;
        _annotator = annotator;
        _static = staticRegions;
    }

    /// <summary>Whether the last stage needs the frame's pixels (pose, fire, static regions or annotation); otherwise frames are recycled right after pre-processing.</summary>
    public bool NeedsPixels => _pose is not null || _fire is not null || _static is not null || _annotator is not null;

    /// <summary>Whether privacy masks are applied.</summary>
    public bool Masks => Volatile.Read(ref _masks) is not null;

    /// <summary>Whether pose evidence is computed.</summary>
    public bool Pose => _pose is not null;

    /// <summary>Whether fire candidates are computed.</summary>
    public bool Fire => _fire is not null;

    /// <summary>Whether static foreground regions are computed.</summary>
    public bool StaticRegions => _static is not null;

    /// <summary>Frames given to the static region detector.</summary>
    public long StaticFrames { get; private set; }

    /// <summary>Time spent in the static region detector.</summary>
    public TimeSpan StaticTime => Stopwatch.GetElapsedTime(0, _staticTicks);

    /// <summary>Person crops measured so far.</summary>
    public long PoseCrops => _pose?.Runs ?? 0;

    /// <summary>Pose model runs so far (a crop wider than tall is also tried turned a quarter each way).</summary>
    public long PoseModelRuns => _poseRunsBefore + (_poseEstimator?.Runs ?? 0);

    /// <summary>The pose model the pass runs (null without pose).</summary>
    public PoseModel? PoseModel => Volatile.Read(ref _poseEstimator)?.Model;

    /// <summary>
    /// Swaps the pose estimator between two frames (pose model update or rollback, any thread): the next frame this
    /// analysis observes runs on <paramref name="estimator"/> (owned from then on); capture, tracks, pose state and open
    /// alerts go on. The task completes with the number of frames observed before the swap; it is cancelled when the
    /// analysis is disposed first. -1 (the estimator disposed) when this analysis runs no pose pass.
    /// </summary>
    public Task<long> ReplacePose(PoseEstimator estimator)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        if (_pose is null)
        {
            estimator.Dispose();
            return Task.FromResult(-1L);
        }

        var swap = new PoseSwap(estimator);
        if (Interlocked.Exchange(ref _pendingPose, swap) is { } replaced)
        {
            replaced.Estimator.Dispose();
            replaced.Done.TrySetCanceled();
        }

        return swap.Done.Task;
    }

    /// <summary>Time spent choosing crops and running the pose model.</summary>
    public TimeSpan PoseTime => Stopwatch.GetElapsedTime(0, _poseTicks);

    /// <summary>Frames given to the fire detector.</summary>
    public long FireFrames { get; private set; }

    /// <summary>Time spent in the fire detector.</summary>
    public TimeSpan FireTime => Stopwatch.GetElapsedTime(0, _fireTicks);

    /// <summary>
    /// Everything a camera's configuration asks for: its masks, the pose pass when person_down is enabled (which then
    /// needs <paramref name="poseModel"/>), fire candidates when fire is enabled and the detector has no fire class,
    /// static foreground regions when abandoned_object is enabled.
    /// </summary>
    public static FrameAnalysis Create(
        CameraConfig camera,
        RuleEngine? rules,
        ModelManifest detector,
        PoseModel? poseModel,
        FireDetectorOptions? fireOptions = null,
        IFrameAnnotator? annotator = null,
        StaticRegionOptions? staticOptions = null)
    {
        ArgumentNullException.ThrowIfNull(camera);
        ArgumentNullException.ThrowIfNull(detector);
        var inputs = rules?.Inputs ?? RuleInputs.None;
        var wantsPose = (inputs & RuleInputs.Pose) != 0;
        if (wantsPose && poseModel is null)
        {
            throw new InvalidOperationException($"Camera '{camera.CameraId}' enables person_down, which needs the pose model.");
        }

        var masks = PrivacyMasker.Create(camera);
        var pose = wantsPose ? poseModel!.CreateEstimator() : null;
        var fire = (inputs & RuleInputs.FireCandidates) != 0 ? new FireDetector(fireOptions) : null;
        var statics = (inputs & RuleInputs.StaticRegions) != 0 ? new StaticRegionDetector(staticOptions, PersonClasses(detector)) : null;
        return new FrameAnalysis(masks, pose, poseModel?.Options, wantsPose ? PersonClasses(detector) : null, fire, annotator, statics);
    }

    /// <summary>Class index → whether the detector's <c>person</c> category holds it.</summary>
    public static bool[] PersonClasses(ModelManifest detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        var mask = new bool[detector.Labels.Count];
        if (detector.Categories.TryGetValue("person", out var labels))
        {
            for (var i = 0; i < mask.Length; i++)
            {
                mask[i] = labels.Contains(detector.Labels[i]);
            }
        }

        return mask;
    }

    /// <summary>Blanks the privacy masks in a freshly captured frame (capture stage).</summary>
    public void BlankMasks(Mat frame) => Volatile.Read(ref _masks)?.Apply(frame);

    /// <summary>
    /// Takes a reloaded camera's privacy masks, from the next captured frame on (any thread): masks are a legal
    /// obligation, so a changed mask must not wait for a restart.
    /// </summary>
    public void ReplaceMasks(CameraConfig camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        Volatile.Write(ref _masks, PrivacyMasker.Create(camera));
    }

    /// <summary>Every kind of pixel evidence.</summary>
    public const RuleInputs AllInputs = RuleInputs.Pose | RuleInputs.FireCandidates | RuleInputs.StaticRegions;

    /// <summary>
    /// The rules' observation of one frame: tracks, frame aspect, and — when enabled and in <paramref name="wanted"/>
    /// (<see cref="RuleEngine.ActiveInputs"/>: not for an event outside its authorisation) — pose evidence, fire
    /// candidates and static regions computed from <paramref name="frame"/> (null when the pipeline did not keep the pixels).
    /// </summary>
    public FrameObservation Observe(Mat? frame, IReadOnlyList<Track> tracks, DateTimeOffset timestamp, double frameAspect, RuleInputs wanted = AllInputs)
    {
        TakePoseSwap();
        _observed++;
        var observation = new FrameObservation(tracks, timestamp) { FrameAspectRatio = frameAspect };
        if (frame is null)
        {
            return observation;
        }

        if (_pose is not null && (wanted & RuleInputs.Pose) != 0)
        {
            var started = Stopwatch.GetTimestamp();
            observation = observation with { Pose = _pose.Collect(frame, tracks, timestamp) };
            _poseTicks += Stopwatch.GetTimestamp() - started;
        }

        if (_fire is not null && (wanted & RuleInputs.FireCandidates) != 0)
        {
            var started = Stopwatch.GetTimestamp();
            observation = observation with { FireCandidates = _fire.Detect(frame, timestamp) };
            _fireTicks += Stopwatch.GetTimestamp() - started;
            FireFrames++;
        }

        if (_static is not null && (wanted & RuleInputs.StaticRegions) != 0)
        {
            var started = Stopwatch.GetTimestamp();
            observation = observation with { StaticRegions = _static.Update(frame, tracks, timestamp) };
            _staticTicks += Stopwatch.GetTimestamp() - started;
            StaticFrames++;
        }

        return observation;
    }

    /// <summary>Hands the analysed frame to the annotator, if any.</summary>
    public void Annotate(Mat? frame, in FrameResult result, in FrameObservation observation, IReadOnlyList<AlertMessage> alerts)
    {
        if (_annotator is not null && frame is not null)
        {
            _annotator.Annotate(frame, result, observation, alerts);
        }
    }

    /// <summary>Hands the final alert messages (open alerts ended) to the annotator, if any.</summary>
    public void Complete(IReadOnlyList<AlertMessage> alerts) => _annotator?.Complete(alerts);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _pendingPose, null) is { } pending)
        {
            pending.Estimator.Dispose();
            pending.Done.TrySetCanceled();
        }

        _poseEstimator?.Dispose();
        _fire?.Dispose();
        _static?.Dispose();
        _annotator?.Dispose();
    }

    // A pending pose swap takes effect here, on the last stage's thread, before the frame's pose pass.
    private void TakePoseSwap()
    {
        if (Volatile.Read(ref _pendingPose) is null || Interlocked.Exchange(ref _pendingPose, null) is not { } swap)
        {
            return;
        }

        var previous = _pose!.ReplaceEstimator(swap.Estimator);
        _poseRunsBefore += previous.Runs;
        Volatile.Write(ref _poseEstimator, swap.Estimator);
        previous.Dispose();
        swap.Done.TrySetResult(_observed);
    }

    private sealed class PoseSwap(PoseEstimator estimator)
    {
        public PoseEstimator Estimator { get; } = estimator;

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
