using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>
/// The agent's configuration source. At start: the last fleet configuration kept on disk (<see cref="DesiredConfigStore"/>,
/// verified again and checked whole), else the local camera files, refused (fail closed) when they have no authorisation
/// window outside <see cref="AgentOptions.DevelopmentMode"/>. Then: the payloads of <see cref="DesiredConfigInbox"/>, each
/// opened by <see cref="DesiredConfigVerifier"/> (an empty retained message clears nothing and is skipped). The local
/// files are watched (<see cref="CameraReloader"/>) until the fleet decides.
/// </summary>
public sealed class DesiredConfigSource(
    AgentOptions options,
    Inference.DetectorModel model,
    DesiredConfigStore store,
    DesiredConfigInbox inbox,
    DesiredConfigVerifier verifier,
    TimeProvider time,
    ILoggerFactory loggers,
    ILogger logger) : IConfigSource
{
    private readonly string _desiredTopic = Topics.ConfigDesired(options.DeviceId);
    private readonly Lock _watch = new();
    private readonly List<CameraReloader> _reloaders = [];
    private readonly List<(string Path, CameraConfig Camera)> _localFiles = [];
    private bool _watchingFiles;
    private bool _decided;
    private ValidDesiredConfig? _persisted;

    /// <inheritdoc />
    /// <remarks>
    /// Decides before any hosted service starts (the MQTT connection included): a fleet configuration kept on disk, else the
    /// local camera files. Throws <see cref="OptionsValidationException"/> for local cameras with no authorisation window
    /// outside <see cref="AgentOptions.DevelopmentMode"/>.
    /// </remarks>
    public void Decide()
    {
        _persisted = LoadPersisted();
        _decided = true;
        if (_persisted is null && options.Cameras.Length > 0 && options.LocalWindows.Count == 0 && !options.DevelopmentMode)
        {
            // An event runs only within a prefectoral authorisation: no window means nothing may run, not everything.
            throw new OptionsValidationException(AgentOptions.SectionName, typeof(AgentOptions), [AgentWorker.NoWindowsError]);
        }
    }

    /// <inheritdoc />
    public DesiredState Initial()
    {
        if (!_decided)
        {
            // Started without the host's lifecycle (Decide not called): the same decision, still fail closed.
            Decide();
        }

        return _persisted is { } valid ? Fleet(valid) : Local();
    }

    /// <inheritdoc />
    public void LogRunning(DesiredState initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        if (initial.Source == ConfigSource.Fleet)
        {
            ConfigLog.RunningPersisted(logger, initial.Version!.Value, store.FilePath);
        }
        else
        {
            ConfigLog.RunningLocal(logger, initial.Cameras.Count, _desiredTopic);
        }
    }

    /// <inheritdoc />
    /// <remarks>File sources are resolved against the agent's configuration folder.</remarks>
    public DesiredState Fleet(ValidDesiredConfig valid)
    {
        ArgumentNullException.ThrowIfNull(valid);
        var message = valid.Message;
        return new DesiredState(ConfigSource.Fleet, message.Version, [.. valid.Cameras.Select(c => CameraDocuments.ResolveFleet(c, options.BaseDirectory))], valid.Cameras, valid.Gate)
        {
            Models = new ModelDesire(message.Models, message.ModelSigningKeys),
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ReceivedConfig> ReceiveAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var payload in inbox.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (payload.Length == 0)
            {
                ConfigLog.Cleared(logger, _desiredTopic);
                continue;
            }

            yield return new ReceivedConfig(payload, verifier.Open(payload));
        }
    }

    /// <inheritdoc />
    public void Keep(ReceivedConfig applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        try
        {
            store.Save(applied.Payload);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ConfigLog.PersistFailed(logger, applied.Opened.Message?.Version ?? 0, store.FilePath, ex.Message);
        }
    }

    /// <inheritdoc />
    public void WatchLocalFiles(Func<CameraConfig, RuleEngine> buildRules, Action<CameraConfig, CameraConfig, RuleEngine> reloaded, Action<CameraReloadOutcome> outcomes)
    {
        lock (_watch)
        {
            _watchingFiles = true;
        }

        foreach (var (path, camera) in _localFiles)
        {
            var reloader = new CameraReloader(path, camera, buildRules, (next, rules) => OnFileReloaded(path, next, rules, reloaded), options.ReloadDebounce, time, loggers.CreateLogger<CameraReloader>());
            reloader.Reloaded += (_, outcome) => outcomes(outcome);
            _reloaders.Add(reloader);
        }
    }

    /// <inheritdoc />
    public void StopWatchingFiles()
    {
        lock (_watch)
        {
            _watchingFiles = false;
        }

        foreach (var reloader in _reloaders)
        {
            reloader.Dispose();
        }

        _reloaders.Clear();
    }

    // A valid edit of a local camera file: applied by the reloader, handed on only while the files decide.
    private void OnFileReloaded(string path, CameraConfig next, RuleEngine rules, Action<CameraConfig, CameraConfig, RuleEngine> reloaded)
    {
        lock (_watch)
        {
            if (_watchingFiles)
            {
                reloaded(next, CameraDocuments.ResolveFile(next, path), rules);
            }
        }
    }

    private DesiredState Local()
    {
        var windows = options.LocalWindows;
        if (windows.Count == 0 && options.Cameras.Length > 0)
        {
            // Only reached with Agent:DevelopmentMode (Initial refuses otherwise): said at start, every time.
            ConfigLog.DevelopmentMode(logger);
        }

        var documents = new List<CameraConfig>();
        var cameras = new List<CameraConfig>();
        foreach (var path in options.CameraPaths)
        {
            var camera = CameraConfigLoader.Load(path);
            _localFiles.Add((path, camera));
            documents.Add(camera);
            cameras.Add(CameraDocuments.ResolveFile(camera, path));
        }

        var gate = windows.Count == 0 ? AuthorisationGate.Unrestricted : new AuthorisationGate(windows);
        return new DesiredState(ConfigSource.Local, null, cameras, documents, gate);
    }

    private ValidDesiredConfig? LoadPersisted()
    {
        verifier.LogTrust(logger);
        var stored = store.TryLoad(out var problem);
        if (problem is not null)
        {
            ConfigLog.PersistedInvalid(logger, store.FilePath, problem);
        }

        if (stored is null)
        {
            return null;
        }

        // Verified again: the data folder is not a way around the signature.
        var opened = verifier.Open(stored);
        if (opened.Message is not { } persisted)
        {
            ConfigLog.PersistedInvalid(logger, store.FilePath, opened.Error!);
            return null;
        }

        var valid = DesiredConfigChecker.Check(persisted, options.DeviceId, model.Manifest, out var errors);
        if (valid is null)
        {
            ConfigLog.PersistedInvalid(logger, store.FilePath, string.Join("; ", errors));
        }

        return valid;
    }
}
