using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Config;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Configuration;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;
using static Vsa.Edge.Agent.Hosting.CameraDocuments;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// Runs the device's configuration until the host stops, and changes it while running. At start it runs the last fleet
/// configuration kept on disk (<see cref="DesiredConfigStore"/>), else the local camera files (each watched: a valid
/// edit swaps that camera's rules in place, <see cref="CameraReloader"/>). Each desired configuration received is
/// verified first (<see cref="DesiredConfigVerifier"/>: signed by a trusted key, for this device — anything else is
/// refused whatever version it claims), then checked whole (<see cref="DesiredConfigChecker"/>); a valid one is diffed against what runs (<see cref="ConfigPlanner"/>)
/// and the plan run without a restart, an invalid one refused with its errors while the previous one keeps running.
/// Every outcome is reported (<see cref="IConfigReportSink"/>). A stop ends every open alert (the pipelines flush their
/// rules into the outbox) before the MQTT service, stopped after this one, drains and publishes offline.
/// </summary>
public sealed class AgentWorker(
    IOptions<AgentOptions> options,
    DetectorModel model,
    CameraRunner cameras,
    AuthorisationScheduler authorisations,
    DesiredConfigStore store,
    DesiredConfigInbox inbox,
    DesiredConfigVerifier verifier,
    IConfigReportSink? reports,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService, IHostedLifecycleService
{
    /// <summary>The refusal when local cameras would run with no authorisation window outside development mode.</summary>
    public const string NoWindowsError = "no authorisation windows for the local cameras: add Agent:Authorisations (the arrêtés) or set Agent:DevelopmentMode=true for a test bench";

    private readonly ILogger _logger = loggers.CreateLogger<AgentWorker>();
    private readonly AgentOptions _options = options.Value;
    private readonly string _desiredTopic = Topics.ConfigDesired(options.Value.DeviceId);
    private readonly Lock _state = new();
    private readonly List<CameraReloader> _reloaders = [];
    private ConfigSource _source = ConfigSource.Local;
    private long? _applied;
    private long? _lastReceived;
    private ConfigApplyStatus _status = ConfigApplyStatus.Applied;
    private IReadOnlyList<string> _errors = [];
    private string? _rejectedSha256;
    private bool _rejectedWasSigned;
    private List<CameraConfig> _configured = [];
    private bool _watchingFiles;
    private ValidDesiredConfig? _persisted;
    private bool _decided;

    /// <summary>Raised after every reload attempt of a camera file (valid, rejected or unchanged).</summary>
    public event EventHandler<CameraReloadOutcome>? CameraReloaded;

    /// <summary>Raised after every report (at start, after each desired configuration, after a camera file reload).</summary>
    public event EventHandler<ReportedConfigMessage>? ConfigReported;

    /// <summary>Where the models and model-signing keys of each applied desired state go (null: no model updates).</summary>
    public Models.ModelUpdateService? ModelUpdates { get; init; }

    /// <summary>The running cameras.</summary>
    public CameraRunner Cameras => cameras;

    /// <summary>The last report.</summary>
    public ReportedConfigMessage? LastReport { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        StartInitial(stoppingToken);
        try
        {
            await foreach (var payload in inbox.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await HandleAsync(payload, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The agent stops: the cameras below end their alerts.
        }
        finally
        {
            StopWatchingFiles();
            await cameras.WhenAllEnded().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Decides what runs before any hosted service starts (the MQTT connection included): a fleet configuration kept on
    /// disk, else the local camera files, refused (fail closed) when they have no authorisation window outside
    /// <see cref="AgentOptions.DevelopmentMode"/>.
    /// </summary>
    /// <exception cref="OptionsValidationException">Local cameras, no window, not in development mode.</exception>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Decide();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Decide()
    {
        _persisted = LoadPersisted();
        _decided = true;
        if (_persisted is null && _options.Cameras.Length > 0 && _options.LocalWindows.Count == 0 && !_options.DevelopmentMode)
        {
            // An event runs only within a prefectoral authorisation: no window means nothing may run, not everything.
            throw new OptionsValidationException(AgentOptions.SectionName, typeof(AgentOptions), [NoWindowsError]);
        }
    }

    private ValidDesiredConfig? LoadPersisted()
    {
        verifier.LogTrust(_logger);
        var stored = store.TryLoad(out var problem);
        if (problem is not null)
        {
            ConfigLog.PersistedInvalid(_logger, store.FilePath, problem);
        }

        if (stored is null)
        {
            return null;
        }

        // Verified again: the data folder is not a way around the signature.
        var opened = verifier.Open(stored);
        if (opened.Message is not { } persisted)
        {
            ConfigLog.PersistedInvalid(_logger, store.FilePath, opened.Error!);
            return null;
        }

        var valid = DesiredConfigChecker.Check(persisted, _options.DeviceId, model.Manifest, out var errors);
        if (valid is null)
        {
            ConfigLog.PersistedInvalid(_logger, store.FilePath, string.Join("; ", errors));
        }

        return valid;
    }

    private void StartInitial(CancellationToken ct)
    {
        if (!_decided)
        {
            // Started without the host's lifecycle (StartingAsync not called): the same decision, still fail closed.
            Decide();
        }

        if (_persisted is { } valid)
        {
            var persisted = valid.Message;

            // Even offline: the windows of the arrêtés are in the persisted message, and enforced by this device's clock.
            authorisations.Enforce(valid.Gate);
            foreach (var camera in valid.Cameras)
            {
                cameras.Start(ResolveFleet(camera), ct);
            }

            ConfigLog.RunningPersisted(_logger, persisted.Version, store.FilePath);
            ModelUpdates?.Desire(persisted.Models, persisted.ModelSigningKeys);
            SetState(ConfigSource.Fleet, persisted.Version, persisted.Version, ConfigApplyStatus.Applied, [], [.. valid.Cameras]);
            return;
        }

        var windows = _options.LocalWindows;
        authorisations.Enforce(windows.Count == 0 ? AuthorisationGate.Unrestricted : new AuthorisationGate(windows));
        if (windows.Count == 0 && _options.Cameras.Length > 0)
        {
            // Only reached with Agent:DevelopmentMode (StartingAsync refuses otherwise): said at start, every time.
            ConfigLog.DevelopmentMode(_logger);
        }

        var local = new List<CameraConfig>();
        lock (_state)
        {
            _watchingFiles = true;
        }

        foreach (var path in _options.CameraPaths)
        {
            var camera = CameraConfigLoader.Load(path);
            local.Add(camera);
            cameras.Start(ResolveFile(camera, path), ct);
            var reloader = new CameraReloader(path, camera, cameras.BuildRules, (next, rules) => OnFileReloaded(path, next, rules), _options.ReloadDebounce, time, loggers.CreateLogger<CameraReloader>());
            reloader.Reloaded += (_, outcome) => CameraReloaded?.Invoke(this, outcome);
            _reloaders.Add(reloader);
        }

        ConfigLog.RunningLocal(_logger, local.Count, _desiredTopic);
        SetState(ConfigSource.Local, null, null, ConfigApplyStatus.Applied, [], local);
    }

    private async Task HandleAsync(byte[] payload, CancellationToken ct)
    {
        if (payload.Length == 0)
        {
            ConfigLog.Cleared(_logger, _desiredTopic);
            return;
        }

        var opened = verifier.Open(payload);
        lock (_state)
        {
            if (_status == ConfigApplyStatus.Rejected && opened.Sha256 == _rejectedSha256)
            {
                // The same refused bytes again (a retained copy at reconnection): already refused and reported.
                ConfigLog.RefusedAgain(_logger, opened.Sha256);
                return;
            }
        }

        if (opened.Message is not { } message)
        {
            // Not the fleet's, or not for this device: its version is not even read, so it neither runs nor blocks anything.
            Reject(null, [opened.Error!], opened.Sha256);
            return;
        }

        long? applied;
        lock (_state)
        {
            applied = _applied;
            var runs = _source == ConfigSource.Fleet && message.Version == _applied;
            if (runs || (message.Version == _lastReceived && _status == ConfigApplyStatus.Rejected && _rejectedWasSigned))
            {
                // A retained copy delivered again at reconnection: normal. Of what runs, after a refused message: the
                // newest received is the applied one again.
                ConfigLog.AlreadyHandled(_logger, message.Version);
                if (runs && _status == ConfigApplyStatus.Rejected)
                {
                    SetState(_source, _applied, _applied, ConfigApplyStatus.Applied, [], _configured);
                }

                return;
            }
        }

        if (applied is { } running && message.Version < running)
        {
            Reject(message.Version, [$"version: {message.Version} is older than the applied version {running}"], opened.Sha256);
            return;
        }

        var valid = DesiredConfigChecker.Check(message, _options.DeviceId, model.Manifest, out var errors);
        if (valid is null)
        {
            Reject(message.Version, errors, opened.Sha256);
            return;
        }

        await ApplyAsync(valid, payload, ct).ConfigureAwait(false);
    }

    private async Task ApplyAsync(ValidDesiredConfig valid, byte[] signed, CancellationToken ct)
    {
        // From now on the fleet decides: the local files are no longer watched.
        StopWatchingFiles();
        authorisations.Enforce(valid.Gate);
        var plan = ConfigPlanner.Plan(cameras.Running, [.. valid.Cameras.Select(ResolveFleet)]);
        foreach (var change in plan)
        {
            switch (change.Kind)
            {
                case CameraChangeKind.Stop:
                    await cameras.StopAsync(change.CameraId).ConfigureAwait(false);
                    break;
                case CameraChangeKind.Restart:
                    await cameras.StopAsync(change.CameraId).ConfigureAwait(false);
                    cameras.Start(change.Next!, ct);
                    break;
                case CameraChangeKind.Start:
                    cameras.Start(change.Next!, ct);
                    break;
                case CameraChangeKind.Update:
                    cameras.Update(change.Next!);
                    break;
                default:
                    break;
            }
        }

        var message = valid.Message;
        try
        {
            store.Save(signed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ConfigLog.PersistFailed(_logger, message.Version, store.FilePath, ex.Message);
        }

        var counts = new int[Enum.GetValues<CameraChangeKind>().Length];
        foreach (var change in plan)
        {
            counts[(int)change.Kind]++;
        }

        ModelUpdates?.Desire(message.Models, message.ModelSigningKeys);
        ConfigLog.Applied(_logger, message.Version, counts[(int)CameraChangeKind.Start], counts[(int)CameraChangeKind.Update], counts[(int)CameraChangeKind.Restart], counts[(int)CameraChangeKind.Stop], counts[(int)CameraChangeKind.Unchanged]);
        SetState(ConfigSource.Fleet, message.Version, message.Version, ConfigApplyStatus.Applied, [], [.. valid.Cameras]);
    }

    // version: the refused configuration's, when it could be trusted enough to read one (null: unsigned, forged, another device's).
    private void Reject(long? version, IReadOnlyList<string> errors, string sha256)
    {
        long? applied;
        lock (_state)
        {
            applied = _applied;
        }

        var running = applied?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(local files)";
        var joined = string.Join("; ", errors);
        ConfigLog.Rejected(_logger, version, running, joined);
        lock (_state)
        {
            // The newest version received, as the contract says: an older one refused does not lower it.
            var newest = version is { } v && (_lastReceived is not { } last || v > last) ? v : _lastReceived;
            (_rejectedSha256, _rejectedWasSigned) = (sha256, version is not null);
            SetState(_source, _applied, newest, ConfigApplyStatus.Rejected, errors, _configured);
        }
    }

    // A valid edit of a local camera file: applied by the reloader, reported here.
    private void OnFileReloaded(string path, CameraConfig next, Core.Rules.RuleEngine rules)
    {
        lock (_state)
        {
            if (!_watchingFiles)
            {
                return;
            }

            cameras.Apply(ResolveFile(next, path), rules);
            var configured = _configured.Select(c => c.CameraId == next.CameraId ? next : c).ToList();
            SetState(_source, _applied, _lastReceived, _status, _errors, configured);
        }
    }

    private void StopWatchingFiles()
    {
        lock (_state)
        {
            _watchingFiles = false;
        }

        foreach (var reloader in _reloaders)
        {
            reloader.Dispose();
        }

        _reloaders.Clear();
    }

    private void SetState(ConfigSource source, long? applied, long? lastReceived, ConfigApplyStatus status, IReadOnlyList<string> errors, List<CameraConfig> configured)
    {
        ReportedConfigMessage report;
        lock (_state)
        {
            (_source, _applied, _lastReceived, _status, _errors, _configured) = (source, applied, lastReceived, status, errors, configured);
            _rejectedSha256 = status == ConfigApplyStatus.Rejected ? _rejectedSha256 : null;
            report = new ReportedConfigMessage(
                ReportedConfigMessage.SchemaId,
                ReportedConfigMessage.CurrentVersion,
                _options.DeviceId,
                time.GetUtcNow(),
                source,
                applied,
                lastReceived,
                status,
                ReportedConfigMessage.Bounded(errors),
                [.. configured.Select(ReportedDocument)],
                authorisations.Gate.Windows,
                _rejectedSha256);
            LastReport = report;
        }

        reports?.Report(report);
        ConfigReported?.Invoke(this, report);
    }

    // A fleet camera's relative file source is relative to the agent's configuration folder.
    private CameraConfig ResolveFleet(CameraConfig camera) => CameraDocuments.ResolveFleet(camera, _options.BaseDirectory);
}
