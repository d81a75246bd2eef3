using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Reconcile;

/// <summary>
/// Keeps the reported configuration (<see cref="ReportedConfigMessage"/>) and sends every new one to the sink (the MQTT
/// configuration channel, retained) and to <see cref="Reported"/>. One lock: a report is built from one consistent state.
/// </summary>
public sealed class ConfigReporter(string deviceId, AuthorisationScheduler authorisations, IConfigReportSink? sink, TimeProvider time, ILogger logger) : IReporter
{
    private readonly Lock _state = new();
    private ConfigSource _source = ConfigSource.Local;
    private long? _applied;
    private long? _lastReceived;
    private ConfigApplyStatus _status = ConfigApplyStatus.Applied;
    private IReadOnlyList<string> _errors = [];
    private string? _rejectedSha256;
    private bool _rejectedWasSigned;
    private List<CameraConfig> _configured = [];

    /// <inheritdoc />
    public event EventHandler<ReportedConfigMessage>? Reported;

    /// <inheritdoc />
    public ReportedConfigMessage? LastReport { get; private set; }

    /// <inheritdoc />
    public ReportedState State
    {
        get
        {
            lock (_state)
            {
                return new ReportedState(_source, _applied, _lastReceived, _status, _rejectedSha256, _rejectedWasSigned);
            }
        }
    }

    /// <inheritdoc />
    public void Applied(ConfigSource source, long? version, IReadOnlyList<CameraConfig> documents) =>
        SetState(source, version, version, ConfigApplyStatus.Applied, [], [.. documents]);

    /// <inheritdoc />
    public void AppliedAgain()
    {
        lock (_state)
        {
            SetState(_source, _applied, _applied, ConfigApplyStatus.Applied, [], _configured);
        }
    }

    /// <inheritdoc />
    public void Rejected(long? version, IReadOnlyList<string> errors, string sha256)
    {
        ArgumentNullException.ThrowIfNull(errors);
        long? applied;
        lock (_state)
        {
            applied = _applied;
        }

        var running = applied?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(local files)";
        var joined = string.Join("; ", errors);
        ConfigLog.Rejected(logger, version, running, joined);
        lock (_state)
        {
            // The newest version received, as the contract says: an older one refused does not lower it.
            var newest = version is { } v && (_lastReceived is not { } last || v > last) ? v : _lastReceived;
            (_rejectedSha256, _rejectedWasSigned) = (sha256, version is not null);
            SetState(_source, _applied, newest, ConfigApplyStatus.Rejected, errors, _configured);
        }
    }

    /// <inheritdoc />
    public void CameraChanged(CameraConfig document)
    {
        ArgumentNullException.ThrowIfNull(document);
        lock (_state)
        {
            var configured = _configured.Select(c => c.CameraId == document.CameraId ? document : c).ToList();
            SetState(_source, _applied, _lastReceived, _status, _errors, configured);
        }
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
                deviceId,
                time.GetUtcNow(),
                source,
                applied,
                lastReceived,
                status,
                ReportedConfigMessage.Bounded(errors),
                [.. configured.Select(Hosting.CameraDocuments.ReportedDocument)],
                authorisations.Gate.Windows,
                _rejectedSha256);
            LastReport = report;
        }

        sink?.Report(report);
        Reported?.Invoke(this, report);
    }
}
