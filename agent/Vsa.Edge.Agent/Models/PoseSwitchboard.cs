using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// The pose model's switchboard: the MoveNet every camera's pose pass runs, loaded on first use from the slot
/// <c>{data}/models/pose/state.json</c> names (cameras without person_down never load it). A switch hands every
/// registered <see cref="FrameAnalysis"/> a new estimator between two frames (<see cref="FrameAnalysis.ReplacePose"/>):
/// capture, detection, tracks, pose state and open alerts go on. Soak and rollback are the detector's
/// (<see cref="ModelSwitch{TModel}"/>).
/// </summary>
/// <param name="startDirectory">The folder the pose model is loaded from at start (the slot the state names, else the installed model).</param>
/// <param name="options">The configured pose options (their folder is replaced by each slot's).</param>
/// <param name="providers">The execution providers (the detector's).</param>
/// <param name="store">The pose slots.</param>
/// <param name="soak">The soak after a switch.</param>
/// <param name="time">The clock of the soak.</param>
/// <param name="logger">Where switches and rollbacks are logged.</param>
public sealed class PoseSwitchboard(string startDirectory, PoseOptions options, IReadOnlyList<string> providers, ModelSlotStore store, SoakOptions soak, TimeProvider time, ILogger logger)
    : ModelSwitch<PoseModel>(() => PoseModel.Load(options with { ModelDirectory = startDirectory }, providers, logger), store, soak, time, logger)
{
    private readonly List<FrameAnalysis> _analyses = [];

    /// <inheritdoc />
    public override string Kind => ModelPackageMetadata.PoseKind;

    /// <summary>The manifest of the serving model; read from its folder while no camera loaded it yet.</summary>
    public override ModelManifest CurrentManifest => LoadedCurrent is { } loaded ? loaded.Package.Manifest : ModelPackage.Load(startDirectory).Manifest;

    /// <summary>
    /// Adds a camera's analysis; when it runs a pose pass on another model than the current one (a switch happened while
    /// the camera started), it is handed the current one now.
    /// </summary>
    public void Register(FrameAnalysis analysis)
    {
        ArgumentNullException.ThrowIfNull(analysis);
        if (!analysis.Pose)
        {
            return;
        }

        PoseModel current;
        lock (Gate)
        {
            _analyses.Add(analysis);
            current = Current;
        }

        if (!ReferenceEquals(analysis.PoseModel, current))
        {
            _ = analysis.ReplacePose(current.CreateEstimator());
        }
    }

    /// <summary>Removes an analysis whose pipeline ended.</summary>
    public void Detach(FrameAnalysis analysis)
    {
        lock (Gate)
        {
            _analyses.Remove(analysis);
        }
    }

    /// <inheritdoc />
    public override IDisposable Load(string directory, InferenceOptions inference, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(inference);
        return PoseModel.Load(options with { ModelDirectory = directory }, inference.ExecutionProviders, logger);
    }

    /// <inheritdoc />
    protected override ModelManifest ManifestOf(PoseModel model) => model.Package.Manifest;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // Unlike the detector (the host's), the pose model serving now was loaded here.
        if (disposing)
        {
            LoadedCurrent?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override async Task<IReadOnlyList<long>> SwapAllAsync(PoseModel model, CancellationToken cancellationToken)
    {
        List<Task<long>> swaps;
        lock (Gate)
        {
            swaps = [.. _analyses.Select(a => a.ReplacePose(model.CreateEstimator()))];
        }

        var frames = new List<long>(swaps.Count);
        foreach (var swap in swaps)
        {
            try
            {
                frames.Add(await swap.WaitAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // That camera's pipeline ended before its next frame: nothing runs the old model there any more.
            }
        }

        return frames;
    }
}
