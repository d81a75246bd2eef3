using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pipeline;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// Holds the running detector model and the camera pipelines that use it; switches them all to a new model between two
/// frames, watches the new model through its soak and rolls back to the previous one (still loaded, so offline and at
/// once) when it fails. The previous model is released only when the soak passes.
/// </summary>
public sealed class ModelSwitchboard(DetectorModel initial, ModelSlotStore store, SoakOptions soak, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<CameraPipeline> _pipelines = [];
    private readonly List<OnnxDetector> _detectors = [];
    private DetectorModel _current = initial;
    private DetectorModel? _previous;
    private SoakWatch? _watch;

    /// <summary>The model the pipelines run (or are switching to).</summary>
    public DetectorModel Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>True while a switched model is watched.</summary>
    public bool Soaking => Volatile.Read(ref _watch) is not null;

    /// <summary>Adds a pipeline: it gets the current model's detector (the switchboard owns the detector).</summary>
    public OnnxDetector Attach(CameraPipeline? pipeline = null)
    {
        lock (_gate)
        {
            var detector = _current.CreateDetector();
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
        lock (_gate)
        {
            _pipelines.Add(pipeline);
        }
    }

    /// <summary>Removes a pipeline that ended.</summary>
    public void Detach(CameraPipeline pipeline)
    {
        lock (_gate)
        {
            _pipelines.Remove(pipeline);
        }
    }

    /// <summary>
    /// Switches every pipeline to <paramref name="next"/> (which it then owns) and starts the soak with
    /// <paramref name="baselineFps"/> (the previous model's rate; 0: no frame-rate gate), unless <paramref name="watch"/> is false. Returns each pipeline's first frame on the new model.
    /// </summary>
    public async Task<IReadOnlyList<long>> SwitchAsync(DetectorModel next, double baselineFps, CancellationToken cancellationToken, bool watch = true)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (_gate)
        {
            _previous?.Dispose();
            _previous = _current;
            _current = next;

            // Unwatched (back to the factory model, asked by the fleet): nothing to roll back to by itself.
            _watch = watch ? new SoakWatch(soak, baselineFps, time.GetUtcNow()) : null;
        }

        if (watch)
        {
            // Kept with the slot state so that a soak interrupted by a restart goes on against the same baseline.
            store.Write(store.Read() with { SoakBaselineFps = baselineFps });
        }

        var frames = await SwapAllAsync(next, cancellationToken).ConfigureAwait(false);
        foreach (var frame in frames)
        {
            ModelUpdateLog.Switched(logger, next.Manifest.Id, next.Manifest.Version, "all", frame);
        }

        return frames;
    }

    /// <summary>
    /// After a restart during a soak: watches the running model again from its recorded start against its recorded
    /// baseline, with <paramref name="previous"/> (loaded again from its slot, which the switchboard then owns) to roll back to.
    /// </summary>
    public void ResumeSoak(DetectorModel previous, double baselineFps, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(previous);
        lock (_gate)
        {
            _previous?.Dispose();
            _previous = previous;
            _watch = new SoakWatch(soak, baselineFps, startedAt);
        }
    }

    /// <summary>
    /// Feeds the soak one observation; on failure rolls back (slot state first, then the pipelines) and returns the
    /// reason; on success keeps the model and releases the previous one.
    /// </summary>
    public async Task<(SoakVerdict Verdict, string? Reason, TimeSpan RollbackTime)> ObserveAsync(double fps, int inferenceErrors, CancellationToken cancellationToken)
    {
        var watch = Volatile.Read(ref _watch);
        if (watch is null)
        {
            return (SoakVerdict.Passed, null, TimeSpan.Zero);
        }

        var verdict = watch.Observe(fps, inferenceErrors, time.GetUtcNow());
        if (verdict == SoakVerdict.Passed)
        {
            store.Confirm();
            lock (_gate)
            {
                _watch = null;
            }

            ModelUpdateLog.Confirmed(logger, _current.Manifest.Version);
            return (verdict, null, TimeSpan.Zero);
        }

        if (verdict == SoakVerdict.Failed)
        {
            var elapsed = await RollBackAsync(watch.Reason!, cancellationToken).ConfigureAwait(false);
            return (verdict, watch.Reason, elapsed);
        }

        return (verdict, null, TimeSpan.Zero);
    }

    /// <summary>Rolls back to the previous model now (soak failure, or an admin's abort); returns how long it took.</summary>
    public async Task<TimeSpan> RollBackAsync(string reason, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        DetectorModel previous;
        string version;
        lock (_gate)
        {
            if (_previous is null)
            {
                return TimeSpan.Zero;
            }

            (previous, version) = (_previous, _current.Manifest.Version);
            _current = previous;
            _previous = null;
            _watch = null;
        }

        store.RollBack(reason, time.GetUtcNow());
        await SwapAllAsync(previous, cancellationToken).ConfigureAwait(false);
        ModelUpdateLog.RolledBack(logger, version, reason);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var d in _detectors)
            {
                d.Dispose();
            }

            _detectors.Clear();
            _previous?.Dispose();
        }
    }

    private async Task<IReadOnlyList<long>> SwapAllAsync(DetectorModel model, CancellationToken cancellationToken)
    {
        List<Task<long>> swaps;
        lock (_gate)
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
