using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// What <see cref="ModelUpdateService"/> needs of one model kind's switchboard (detector: <see cref="ModelSwitchboard"/>,
/// pose: <see cref="PoseSwitchboard"/>): its slots, the model serving now, a switch between two frames with its soak, and
/// how a model of that kind is loaded.
/// </summary>
public interface IModelSwitchboard
{
    /// <summary><c>detector</c> or <c>pose</c>.</summary>
    string Kind { get; }

    /// <summary>The slots of this kind.</summary>
    ModelSlotStore Store { get; }

    /// <summary>The manifest of the model serving now.</summary>
    ModelManifest CurrentManifest { get; }

    /// <summary>True while a switched model is watched.</summary>
    bool Soaking { get; }

    /// <summary>Switches every pipeline to <paramref name="next"/> (a loaded model of this kind, then owned here) and starts the soak unless <paramref name="watch"/> is false.</summary>
    Task<IReadOnlyList<long>> SwitchToAsync(IDisposable next, double baselineFps, CancellationToken cancellationToken, bool watch = true);

    /// <summary>
    /// After a restart during a soak: watches the running model again from its recorded start against its recorded
    /// baseline, with <paramref name="previous"/> (loaded again from its slot, then owned here) to roll back to.
    /// </summary>
    void ResumeSoak(IDisposable previous, double baselineFps, DateTimeOffset startedAt);

    /// <summary>Feeds the soak one observation; rolls back by itself on failure.</summary>
    Task<(SoakVerdict Verdict, string? Reason, TimeSpan RollbackTime)> ObserveAsync(double fps, int inferenceErrors, CancellationToken cancellationToken);

    /// <summary>Loads a model of this kind from <paramref name="directory"/> on the configured execution providers (caller owns it).</summary>
    IDisposable Load(string directory, InferenceOptions inference, ILogger logger);
}

/// <summary>
/// The kind-independent part of a switchboard: the model serving now and the previous one (still loaded, so a rollback
/// is offline and immediate), the soak watch, the slot state written before the pipelines move. A subclass knows how
/// its pipelines take a model between two frames (<see cref="SwapAllAsync"/>). The previous model is released only when
/// the soak passes or a later switch replaces it.
/// </summary>
public abstract class ModelSwitch<TModel>(Func<TModel> initial, ModelSlotStore store, SoakOptions soak, TimeProvider time, ILogger logger) : IModelSwitchboard, IDisposable
    where TModel : class, IDisposable
{
    private TModel? _current;
    private TModel? _previous;
    private SoakWatch? _watch;

    /// <inheritdoc />
    public abstract string Kind { get; }

    /// <inheritdoc />
    public ModelSlotStore Store => store;

    /// <summary>The model the pipelines run (or are switching to); loaded on first use.</summary>
    public TModel Current
    {
        get
        {
            lock (Gate)
            {
                return _current ??= initial();
            }
        }
    }

    /// <inheritdoc />
    public virtual ModelManifest CurrentManifest => ManifestOf(Current);

    /// <inheritdoc />
    public bool Soaking => Volatile.Read(ref _watch) is not null;

    /// <summary>Guards the models and the subclass's pipelines.</summary>
    protected Lock Gate { get; } = new();

    /// <summary>The current model if it was loaded, without loading it.</summary>
    protected TModel? LoadedCurrent
    {
        get
        {
            lock (Gate)
            {
                return _current;
            }
        }
    }

    /// <summary>
    /// Switches every pipeline to <paramref name="next"/> (which it then owns) and starts the soak with
    /// <paramref name="baselineFps"/> (the previous model's rate; 0: no frame-rate gate), unless <paramref name="watch"/> is
    /// false. Returns each pipeline's first frame on the new model.
    /// </summary>
    public async Task<IReadOnlyList<long>> SwitchAsync(TModel next, double baselineFps, CancellationToken cancellationToken, bool watch = true)
    {
        ArgumentNullException.ThrowIfNull(next);
        lock (Gate)
        {
            var running = _current ??= initial();
            _previous?.Dispose();
            _previous = running;
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
        var manifest = ManifestOf(next);
        foreach (var frame in frames)
        {
            ModelUpdateLog.Switched(logger, manifest.Id, manifest.Version, "all", frame);
        }

        return frames;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> SwitchToAsync(IDisposable next, double baselineFps, CancellationToken cancellationToken, bool watch = true) =>
        SwitchAsync(next as TModel ?? throw new ArgumentException($"a {Kind} switchboard takes a {typeof(TModel).Name}, not {next?.GetType().Name}", nameof(next)), baselineFps, cancellationToken, watch);

    /// <inheritdoc />
    public void ResumeSoak(IDisposable previous, double baselineFps, DateTimeOffset startedAt)
    {
        var model = previous as TModel ?? throw new ArgumentException($"a {Kind} switchboard takes a {typeof(TModel).Name}, not {previous?.GetType().Name}", nameof(previous));
        lock (Gate)
        {
            _previous?.Dispose();
            _previous = model;
            _watch = new SoakWatch(soak, baselineFps, startedAt);
        }
    }

    /// <inheritdoc />
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
            lock (Gate)
            {
                _watch = null;
            }

            ModelUpdateLog.Confirmed(logger, CurrentManifest.Version);
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
        TModel previous;
        string version;
        lock (Gate)
        {
            if (_previous is null || _current is null)
            {
                return TimeSpan.Zero;
            }

            (previous, version) = (_previous, ManifestOf(_current).Version);
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
    public abstract IDisposable Load(string directory, InferenceOptions inference, ILogger logger);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the previous model (the current one belongs to the host) and what the subclass holds.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (Gate)
            {
                _previous?.Dispose();
            }
        }
    }

    /// <summary>The manifest of a loaded model.</summary>
    protected abstract ModelManifest ManifestOf(TModel model);

    /// <summary>Hands <paramref name="model"/> to every registered pipeline between two frames; each pipeline's first frame on it.</summary>
    protected abstract Task<IReadOnlyList<long>> SwapAllAsync(TModel model, CancellationToken cancellationToken);
}
