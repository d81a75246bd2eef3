using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// Holds the running detector model and the camera pipelines that use it; switches them all to a new model between two
/// frames (<see cref="CameraPipeline.ReplaceDetector"/>), watches the new model through its soak and rolls back to the
/// previous one (still loaded, so offline and at once) when it fails (<see cref="ModelSwitch{TModel}"/>). The previous
/// model is released only when the soak passes.
/// </summary>
public sealed class ModelSwitchboard(DetectorModel initial, ModelSlotStore store, SoakOptions soak, TimeProvider time, ILogger logger)
    : ModelSwitch<DetectorModel>(() => initial, store, soak, time, logger)
{
    private readonly List<CameraPipeline> _pipelines = [];
    private readonly List<OnnxDetector> _detectors = [];

    /// <inheritdoc />
    public override string Kind => ModelPackageMetadata.DetectorKind;

    /// <summary>Adds a pipeline: it gets the current model's detector (the switchboard owns the detector).</summary>
    public OnnxDetector Attach(CameraPipeline? pipeline = null)
    {
        lock (Gate)
        {
            var detector = Current.CreateDetector();
            _detectors.Add(detector);
            if (pipeline is not null)
            {
                _pipelines.Add(pipeline);
            }

            return detector;
        }
    }

    /// <summary>Registers a pipeline built with a detector from <see cref="Attach"/>.</summary>
    public void Register(CameraPipeline pipeline)
    {
        lock (Gate)
        {
            _pipelines.Add(pipeline);
        }
    }

    /// <summary>Removes a pipeline that ended.</summary>
    public void Detach(CameraPipeline pipeline)
    {
        lock (Gate)
        {
            _pipelines.Remove(pipeline);
        }
    }

    /// <inheritdoc />
    public override IDisposable Load(string directory, InferenceOptions inference, ILogger logger) =>
        DetectorModel.Load(inference with { ModelDirectory = directory }, logger);

    /// <inheritdoc />
    protected override ModelManifest ManifestOf(DetectorModel model) => model.Manifest;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (Gate)
            {
                foreach (var d in _detectors)
                {
                    d.Dispose();
                }

                _detectors.Clear();
            }
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override async Task<IReadOnlyList<long>> SwapAllAsync(DetectorModel model, CancellationToken cancellationToken)
    {
        List<Task<long>> swaps;
        lock (Gate)
        {
            swaps = [];
            foreach (var pipeline in _pipelines)
            {
                var detector = model.CreateDetector();
                _detectors.Add(detector);
                swaps.Add(pipeline.ReplaceDetector(detector));
            }
        }

        return await Task.WhenAll(swaps).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
