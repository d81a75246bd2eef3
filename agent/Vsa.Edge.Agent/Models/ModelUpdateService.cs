using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Models;

/// <summary>What the running agent's model updates need besides the slots and the switchboard.</summary>
/// <param name="DeviceId">This device.</param>
/// <param name="AgentVersion">This agent's version (packages name the least they need).</param>
/// <param name="Inference">How candidates are loaded (the configured execution providers).</param>
/// <param name="Soak">The soak after a switch.</param>
/// <param name="DownloadFolder">Where packages are fetched (<c>.part</c> files resume there after a restart).</param>
/// <param name="Stats">The running pipelines' figures (the soak's frame rate, frames lost at the switch).</param>
/// <param name="PipelineFailures">Pipeline starts so far: a restart during the soak is an inference fault.</param>
/// <param name="Reports">The device's report of every kind, shared by the services of each kind; null: this kind alone.</param>
/// <param name="Pose">The configured pose options a pose candidate is validated with.</param>
public sealed record ModelUpdateSetup(string DeviceId, string AgentVersion, InferenceOptions Inference, SoakOptions Soak, string DownloadFolder, PipelineStatsRegistry Stats, Func<int> PipelineFailures,
    ModelSlotReports? Reports = null, Pose.PoseOptions? Pose = null);

/// <summary>
/// Model updates in the running agent (docs/models.md, "On the device"). A verified desired state hands its
/// <see cref="DesiredModel"/> and model-signing keys here (<see cref="Desire"/>); the detector entry is fetched
/// (<see cref="ModelDownloader"/>), verified, validated and committed (<see cref="ModelInstaller"/>), then every running
/// pipeline switches between two frames (<see cref="ModelSwitchboard"/>) and the new model is watched: every
/// <see cref="SoakOptions.ObserveInterval"/> the pipelines' frame rate and restarts feed the soak, which rolls back by
/// itself, offline. Version <see cref="DesiredModel.FactoryVersion"/> returns to the installed model. Each step is
/// reported (<see cref="IModelReportSink"/>). A version that failed or was rolled back is not tried again: the fleet sends
/// a newer one.
/// </summary>
public sealed partial class ModelUpdateService(
    ModelUpdateSetup setup,
    ModelSlotStore store,
    IModelSwitchboard switchboard,
    ModelSigningKeyStore keys,
    ModelDownloader? downloader,
    IModelReportSink? reports,
    TimeProvider time,
    ILogger<ModelUpdateService> logger) : BackgroundService
{
    private readonly Channel<DesiredModel> _desired = Channel.CreateBounded<DesiredModel>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly SemaphoreSlim _busy = new(1, 1);
    private readonly Lock _gate = new();
    private ModelUpdateReport? _update;
    private double _lastFps;
    private long _lastFrames;
    private long _lastTimestamp;
    private int _failuresAtSwitch;

    /// <summary>Raised after every report.</summary>
    public event EventHandler<ModelReportedMessage>? Reported;

    /// <summary>Raised after every observation of the pipelines (its frame rate), soaking or not.</summary>
    public event EventHandler<double>? Observed;

    /// <summary>The service of the next model kind (pose after the detector): <see cref="Desire"/> hands it the same desired state.</summary>
    public ModelUpdateService? Next { get; init; }

    /// <summary>The last report.</summary>
    public ModelReportedMessage? LastReport { get; private set; }

    /// <summary>
    /// Takes what a verified desired state says about models: the trusted model-signing keys (taken only when the device
    /// trusts none yet, <see cref="ModelSigningKeyStore.LearnFromDesiredState"/>) and the models (null: no change asked). Returns at once; the newest desired model wins.
    /// </summary>
    public void Desire(IReadOnlyList<DesiredModel>? models, IReadOnlyList<string>? signingKeys)
    {
        if (signingKeys is { Count: > 0 })
        {
            try
            {
                switch (keys.LearnFromDesiredState(signingKeys))
                {
                    case DesiredKeysOutcome.Learnt:
                        ModelUpdateServiceLog.KeysReplaced(logger, signingKeys.Count, keys.FilePath);
                        break;
                    case DesiredKeysOutcome.RefusedAlreadyTrusting:
                        ModelUpdateServiceLog.KeysRefused(logger, "the desired state names other model-signing keys than this device trusts: kept its own (rotate them by re-enrolment or by hand)");
                        break;
                }
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                ModelUpdateServiceLog.KeysRefused(logger, ex.Message);
            }
        }

        if (models?.FirstOrDefault(m => m.Kind == switchboard.Kind) is { } wanted)
        {
            _desired.Writer.TryWrite(wanted);
        }

        Next?.Desire(models, null);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The soak's clock starts before a soak interrupted by a restart is resumed: a watch resumed (and announced) before its
        // timer existed would wait one interval from whenever the timer came, not from the resumption.
        using var timer = new PeriodicTimer(setup.Soak.ObserveInterval, time);

        // What the previous run ended with (a rollback at start, a refused package, a restart during an update) is reported again.
        await ResumeAtStartAsync(stoppingToken).ConfigureAwait(false);
        (_lastFrames, _lastTimestamp) = (Frames(), time.GetTimestamp());
        var soak = SoakLoopAsync(timer, stoppingToken);
        try
        {
            await foreach (var desired in _desired.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await _busy.WaitAsync(stoppingToken).ConfigureAwait(false);
                try
                {
                    await ApplyAsync(desired, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ModelException or InvalidOperationException)
                {
                    // A fault of this update (disk, a slot that no longer loads) fails the update, never the agent.
                    Fail(desired, $"install: {ex.Message}", new ModelUpdateFigures());
                }
                finally
                {
                    _busy.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent stops; a download resumes from its .part file at the next start.
        }

        await soak.ConfigureAwait(false);
    }

    private async Task ApplyAsync(DesiredModel desired, CancellationToken ct)
    {
        var state = store.Read();
        if (desired.Version == DesiredModel.FactoryVersion)
        {
            await BackToFactoryAsync(desired, state, ct).ConfigureAwait(false);
            return;
        }

        if (state.ActiveVersion == desired.Version && state.ActiveId == desired.Id)
        {
            return; // Already runs (a retained desired state delivered again).
        }

        if (IsKeptPrevious(desired, state))
        {
            await BackToPreviousAsync(desired, state, ct).ConfigureAwait(false);
            return;
        }

        if (state.Last is { } last && last.Version == desired.Version && last.State is ModelUpdateStates.Failed or ModelUpdateStates.RolledBack)
        {
            ModelUpdateServiceLog.NotRetried(logger, desired.Version, last.State);
            return;
        }

        var figures = new ModelUpdateFigures();
        Step(desired, ModelUpdateState.Downloading, null, figures);
        if (downloader is null)
        {
            Fail(desired, "download: this device has no TLS credentials (Mqtt:CredentialsDirectory): a package is fetched only with the device certificate", figures);
            return;
        }

        DownloadResult download;
        try
        {
            download = await downloader.DownloadAsync(desired, setup.DownloadFolder, ct).ConfigureAwait(false);
        }
        catch (ModelDownloadException ex)
        {
            Fail(desired, ex.Message, figures, record: !ex.Transient);
            return;
        }

        figures = figures with { BytesDownloaded = download.BytesDownloaded, BytesResumedFrom = download.ResumedFrom };
        var installer = new ModelInstaller(store, keys.Verifier(), setup.Inference, time, logger, setup.AgentVersion)
        {
            Kind = switchboard.Kind,
            Pose = setup.Pose,
            Step = step => OnInstallerStep(desired, step, figures),
        };
        var result = await Task.Run(() => installer.Install(download.Path, desired.Sha256), ct).ConfigureAwait(false);
        File.Delete(download.Path);
        if (result.Validation is { } v)
        {
            figures = figures with { SessionLoadMs = v.LoadTime.TotalMilliseconds, ValidationMsPerFrame = v.MillisecondsPerFrame, ValidationFps = v.Fps };
        }

        if (!result.Activated || result.Loaded is not { } model)
        {
            Fail(desired, result.Reason ?? "install: refused", figures);
            return;
        }

        var droppedBefore = Dropped();
        await switchboard.SwitchToAsync(model, _lastFps, ct).ConfigureAwait(false);
        _failuresAtSwitch = setup.PipelineFailures();
        figures = figures with { FramesLost = Dropped() - droppedBefore };
        Step(desired, ModelUpdateState.Soaking, null, figures);
    }

    private async Task BackToFactoryAsync(DesiredModel desired, ModelSlotState state, CancellationToken ct)
    {
        if (state.Active == ModelSlotState.Factory)
        {
            return;
        }

        var factory = await Task.Run(() => switchboard.Load(store.SlotDirectory(ModelSlotState.Factory), setup.Inference, logger), ct).ConfigureAwait(false);
        store.Write(ModelSlotState.Initial with { Last = new ModelOutcome(DesiredModel.FactoryVersion, ModelUpdateStates.Active, null, time.GetUtcNow()) });
        await switchboard.SwitchToAsync(factory, 0, ct, watch: false).ConfigureAwait(false);
        Step(desired, ModelUpdateState.Active, null, null);
    }

    // Every interval: the pipelines' frame rate since the last tick; while a model soaks, one observation of the watch.
    private async Task SoakLoopAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                await _busy.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await ObserveAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    ModelUpdateServiceLog.ObserveFailed(logger, ex.Message);
                }
                finally
                {
                    _busy.Release();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The agent stops: a soak not finished goes on at the next start (state.json still says soaking).
        }
    }

    private async Task ObserveAsync(CancellationToken ct)
    {
        var (frames, now) = (Frames(), time.GetTimestamp());
        var seconds = time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        _lastFps = seconds > 0 ? (frames - _lastFrames) / seconds : 0;
        (_lastFrames, _lastTimestamp) = (frames, now);
        try
        {
            await SoakAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            Observed?.Invoke(this, _lastFps);
        }
    }

    private async Task SoakAsync(CancellationToken ct)
    {
        if (!switchboard.Soaking || _update is not { } update)
        {
            return;
        }

        TakeFailureBaselineAfterRestart();
        var errors = setup.PipelineFailures() - _failuresAtSwitch;
        var (verdict, reason, rollback) = await switchboard.ObserveAsync(_lastFps, errors, ct).ConfigureAwait(false);
        var figures = (update.Figures ?? new ModelUpdateFigures()) with { Fps = _lastFps };
        if (verdict == SoakVerdict.Passed)
        {
            SetUpdate(update with { State = ModelUpdateState.Active, At = time.GetUtcNow(), Figures = figures });
        }
        else if (verdict == SoakVerdict.Failed)
        {
            ModelUpdateServiceLog.RolledBack(logger, update.Version, reason ?? "", rollback.TotalMilliseconds);
            SetUpdate(update with { State = ModelUpdateState.RolledBack, Reason = $"soak: {reason}", At = time.GetUtcNow(), Figures = figures });
        }
    }

    private void Step(DesiredModel desired, ModelUpdateState state, string? reason, ModelUpdateFigures? figures)
    {
        Journal(desired, state);
        SetUpdate(new ModelUpdateReport(desired.Id, desired.Version, desired.Sha256, state, reason ?? NoteFor(desired), time.GetUtcNow(), desired.RolloutId, figures));
    }

    private void Fail(DesiredModel desired, string reason, ModelUpdateFigures figures, bool record = true)
    {
        ModelUpdateServiceLog.Failed(logger, desired.Id, desired.Version, reason);
        if (record && store.Read().Last?.Version != desired.Version)
        {
            // Refused before the installer recorded it (download): recorded now, so it is not fetched again and again.
            store.RecordFailure(desired.Version, reason, time.GetUtcNow());
        }

        Step(desired, ModelUpdateState.Failed, reason, figures);
    }

    private void SetUpdate(ModelUpdateReport update)
    {
        lock (_gate)
        {
            _update = update;
        }

        ModelUpdateServiceLog.State(logger, update.Id, update.Version, update.State, update.Reason ?? "");
        Publish();
    }

    private void Publish()
    {
        var state = store.Read();
        var manifest = switchboard.CurrentManifest;
        ModelReportedMessage report;
        lock (_gate)
        {
            var slot = new ModelSlotReport(switchboard.Kind, manifest.Id, state.ActiveVersion ?? DesiredModel.FactoryVersion, state.ActiveSha256, state.Previous == ModelSlotState.Factory && state.Active == ModelSlotState.Factory ? null : state.PreviousVersion ?? DesiredModel.FactoryVersion, _update);
            report = new ModelReportedMessage(ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, setup.DeviceId, time.GetUtcNow(), setup.Reports?.Put(slot) ?? [slot]);
            LastReport = report;
        }

        reports?.Report(report);
        Reported?.Invoke(this, report);
    }

    private long Frames() => setup.Stats.All.Sum(s => s.FramesProcessed);

    private long Dropped() => setup.Stats.All.Sum(s => s.FramesDropped);
}

/// <summary>Log messages of the running agent's model updates (event ids 12420–12439).</summary>
internal static partial class ModelUpdateServiceLog
{
    [LoggerMessage(EventId = 12420, Level = LogLevel.Information, Message = "Model {Id} {Version}: {State} {Reason}")]
    public static partial void State(ILogger logger, string id, string version, ModelUpdateState state, string reason);

    [LoggerMessage(EventId = 12421, Level = LogLevel.Warning, Message = "Model {Id} {Version} failed: {Reason}")]
    public static partial void Failed(ILogger logger, string id, string version, string reason);

    [LoggerMessage(EventId = 12422, Level = LogLevel.Warning, Message = "Model {Version} rolled back after its soak in {RollbackMs:0} ms: {Reason}")]
    public static partial void RolledBack(ILogger logger, string version, string reason, double rollbackMs);

    [LoggerMessage(EventId = 12423, Level = LogLevel.Information, Message = "Model {Version} is not tried again: it was {State} on this device (the fleet must send a newer version)")]
    public static partial void NotRetried(ILogger logger, string version, string state);

    [LoggerMessage(EventId = 12424, Level = LogLevel.Information, Message = "Trusted model-signing keys replaced ({Count}) in {Path}")]
    public static partial void KeysReplaced(ILogger logger, int count, string path);

    [LoggerMessage(EventId = 12426, Level = LogLevel.Error, Message = "Model soak observation failed (retried at the next interval): {Reason}")]
    public static partial void ObserveFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 12425, Level = LogLevel.Error, Message = "Model-signing keys of the desired state refused, the previous ones kept: {Reason}")]
    public static partial void KeysRefused(ILogger logger, string reason);
}
