using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>What became of a change to a camera file.</summary>
public enum CameraReloadResult
{
    /// <summary>Valid: the new rules (zones, lines, events) replaced the old ones.</summary>
    Applied,

    /// <summary>Invalid: logged with every error; the previous configuration keeps running.</summary>
    Rejected,

    /// <summary>The file was touched but its content did not change.</summary>
    Unchanged,
}

/// <summary>One reload attempt: the camera, the result and, when rejected, why.</summary>
public sealed record CameraReloadOutcome(string CameraId, CameraReloadResult Result, IReadOnlyList<string> Errors);

/// <summary>
/// Watches one camera file and applies its valid changes without restarting capture or inference: after
/// <c>debounce</c> of quiet (editors and <c>cp</c> write in several steps, some replace the file by a rename) the file
/// is read, validated, its rules built against the model (so a class the model lacks is caught here too) and handed
/// to <c>apply</c>. An invalid change is rejected with a clear log line and the running configuration stays. The camera
/// id cannot change (it names the camera in every alert); a changed source is applied at the next restart.
/// </summary>
public sealed class CameraReloader : IDisposable
{
    private readonly string _path;
    private readonly Func<CameraConfig, RuleEngine> _buildRules;
    private readonly Action<CameraConfig, RuleEngine> _apply;
    private readonly TimeSpan _debounce;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private CameraConfig _current;
    private byte[] _hash;
    private bool _disposed;

    public CameraReloader(string path, CameraConfig current, Func<CameraConfig, RuleEngine> buildRules, Action<CameraConfig, RuleEngine> apply, TimeSpan debounce, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(current);
        _path = Path.GetFullPath(path);
        _current = current;
        _buildRules = buildRules;
        _apply = apply;
        _debounce = debounce;
        _time = time;
        _logger = logger;
        _hash = HashOf(_path) ?? [];

        // The folder, not the file: an editor that saves by writing a temporary file and renaming it over the original
        // replaces the inode a file-level watch would follow.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += OnFileEvent;
        _watcher.Created += OnFileEvent;
        _watcher.Renamed += OnFileEvent;
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>Raised after every reload attempt (on a timer thread).</summary>
    public event EventHandler<CameraReloadOutcome>? Reloaded;

    /// <summary>The configuration running now.</summary>
    public CameraConfig Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Reads and applies the file now (the debounce timer calls this).</summary>
    public CameraReloadOutcome ReloadNow()
    {
        CameraReloadOutcome outcome;
        lock (_gate)
        {
            outcome = ReloadLocked();
        }

        Reloaded?.Invoke(this, outcome);
        return outcome;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
        }

        _watcher.Dispose();
    }

    private CameraReloadOutcome ReloadLocked()
    {
        var cameraId = _current.CameraId;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(_path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Rejected(cameraId, [$"{_path}: {ex.Message}"]);
        }

        var hash = SHA256.HashData(bytes);
        if (hash.AsSpan().SequenceEqual(_hash))
        {
            HostingLog.ReloadUnchanged(_logger, cameraId, _path);
            return new CameraReloadOutcome(cameraId, CameraReloadResult.Unchanged, []);
        }

        CameraConfig next;
        RuleEngine rules;
        try
        {
            next = CameraConfigLoader.Parse(Encoding.UTF8.GetString(bytes));
            if (next.CameraId != cameraId)
            {
                return Rejected(cameraId, [$"cameraId: cannot change from '{cameraId}' to '{next.CameraId}' while the agent runs (it names the camera in every alert); restart the agent"]);
            }

            rules = _buildRules(next);
        }
        catch (CameraConfigException ex)
        {
            return Rejected(cameraId, ex.Errors.Count > 0 ? ex.Errors : [ex.Message]);
        }

        if (next.Source != _current.Source)
        {
            HostingLog.ReloadSourceNeedsRestart(_logger, cameraId, _path);
        }

        _apply(next, rules);
        _current = next;
        _hash = hash;
        HostingLog.ReloadApplied(_logger, cameraId, _path, rules.RuleCount);
        return new CameraReloadOutcome(cameraId, CameraReloadResult.Applied, []);
    }

    private CameraReloadOutcome Rejected(string cameraId, IReadOnlyList<string> errors)
    {
        HostingLog.ReloadRejected(_logger, cameraId, _path, string.Join("; ", errors));
        return new CameraReloadOutcome(cameraId, CameraReloadResult.Rejected, errors);
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (e is RenamedEventArgs renamed && !string.Equals(Path.GetFullPath(renamed.FullPath), _path, StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Every event pushes the reload back: it runs once, after the writer went quiet.
            _timer ??= _time.CreateTimer(_ => ReloadNow(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
        }
    }

    private static byte[]? HashOf(string path)
    {
        try
        {
            return SHA256.HashData(File.ReadAllBytes(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
