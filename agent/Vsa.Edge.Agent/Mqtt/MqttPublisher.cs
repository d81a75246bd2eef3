using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Agent.Renewal;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// The device's MQTT client, composed of roles on one shared session (<see cref="MqttSession"/>: connect loop, backoff,
/// persistent session, online status with the offline last will): the <see cref="AlertDrainer"/> (the outbox to
/// <see cref="Topics.Alerts"/>, QoS 1, removed after PUBACK), heartbeats (<see cref="HeartbeatChannel"/>), the
/// <see cref="ConfigChannel"/> (desired configuration in, reported configuration out), the <see cref="EventForwarder"/>,
/// and the <see cref="SuspensionChannel"/>, <see cref="CertificateChannel"/>, <see cref="InstallationChannel"/>,
/// <see cref="ModelReportChannel"/> and <see cref="ProposalChannel"/>. A clean <see cref="StopAsync"/> drains for a
/// bounded time, publishes offline and disconnects (what is left stays in the outbox for the next start);
/// <see cref="DisposeAsync"/> without it drops the connection so the broker publishes the last will.
/// </summary>
public sealed class MqttPublisher : IAlertSink, IConfigReportSink, IModelReportSink, ICertificateRenewalChannel, IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly IAlertOutbox _outbox;
    private readonly bool _ownsOutbox;
    private readonly IHealthSource? _health;
    private readonly ILogger _logger;
    private readonly MqttSession _session;
    private readonly AlertDrainer _alerts;
    private readonly SuspensionChannel _suspension;
    private readonly ConfigChannel _config;
    private readonly CertificateChannel _certificates;
    private readonly InstallationChannel _installations;
    private readonly ModelReportChannel _models;
    private readonly CancellationTokenSource _stopping = new();

    // Cancels the PUBACK waits of alerts already sent. A stop lets them finish (up to the drain time) rather than cutting them
    // off: an alert the broker has but whose acknowledgement was abandoned would stay in the outbox and be sent twice.
    private readonly CancellationTokenSource _inflight = new();
    private ProposalChannel? _proposals;
    private readonly List<Task> _loops = [];

    public MqttPublisher(MqttOptions options, string deviceId, IAlertOutbox outbox, TimeProvider time, ILogger<MqttPublisher> logger, IHealthSource? health = null, Func<double>? jitter = null)
        : this(options, deviceId, outbox, ownsOutbox: false, time, logger, health, jitter)
    {
    }

    private MqttPublisher(MqttOptions options, string deviceId, IAlertOutbox outbox, bool ownsOutbox, TimeProvider time, ILogger<MqttPublisher> logger, IHealthSource? health, Func<double>? jitter)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        ArgumentNullException.ThrowIfNull(outbox);
        _options = options;
        _outbox = outbox;
        _ownsOutbox = ownsOutbox;
        _health = health;
        _logger = logger;
        _session = new MqttSession(options, deviceId, time, logger, () => outbox.Counts.Depth, jitter);
        _alerts = new AlertDrainer(_session, outbox, options.MaxInflightAlerts, _inflight.Token);
        _suspension = new SuspensionChannel(_session);
        _config = new ConfigChannel(_session);
        _certificates = new CertificateChannel(_session);
        _installations = new InstallationChannel(_session);
        _models = new ModelReportChannel(_session);

        // The order of each connection's steps: the suspension first, so its retained state arrives before the configuration.
        _session.Channels = [_suspension, _config, _certificates, _installations];
    }

    /// <summary>Whether the client is connected now.</summary>
    public bool IsConnected => _session.IsConnected;

    /// <summary>Alerts the broker acknowledged through this publisher.</summary>
    public long AlertsPublished => _alerts.Published;

    /// <summary>Alerts lost since the outbox was created (dropped by its bounds, refused, or not stored).</summary>
    public long AlertsDropped => _outbox.Counts.Dropped;

    /// <summary>Alerts waiting in the outbox.</summary>
    public int AlertsQueued => _outbox.Counts.Depth;

    /// <summary>The outbox this publisher drains.</summary>
    public IAlertOutbox Outbox => _outbox;

    /// <summary>Successful connections so far; the broker kept the session on the later ones when <see cref="SessionPresent"/>.</summary>
    public int Connections => _session.Connections;

    /// <summary>Whether the broker still held this client's session at the last connection (MQTT 5 persistent session).</summary>
    public bool SessionPresent => _session.SessionPresent;

    /// <summary>
    /// Where received suspension states go (<c>Suspension.SuspensionHandler.Inbox</c>); when set, subscribed (QoS 1) at every
    /// connection, before the desired configuration. Null: no subscription.
    /// </summary>
    public ChannelWriter<byte[]>? Suspensions { get => _suspension.Inbox; init => _suspension.Inbox = value; }

    /// <summary>
    /// Where received desired configurations go; when set, subscribed (QoS 1) to the device's own
    /// <see cref="Topics.ConfigDesired"/> at every connection (the broker then sends the retained copy). Null: no subscription.
    /// </summary>
    public DesiredConfigInbox? DesiredConfigs { get => _config.Inbox; init => _config.Inbox = value; }

    /// <summary>
    /// Where received certificate answers go (<see cref="CertificateAnswerInbox.Writer"/>); when set, subscribed (QoS 1) to
    /// the device's own <see cref="Topics.CertificateIssued"/> at every connection. Null: no subscription.
    /// </summary>
    public ChannelWriter<byte[]>? CertificateAnswers { get => _certificates.Answers; init => _certificates.Answers = value; }

    /// <summary>Where the self-test keeps the reports it could not deliver; null sends none.</summary>
    public PendingInstallationReports? PendingInstallations { get => _installations.Pending; init => _installations.Pending = value; }

    /// <summary>
    /// Device events to publish (QoS 1, <see cref="Topics.Events"/>), read one at a time while connected; an event whose
    /// publication failed is sent again after the reconnection. Null: none (<c>analyze</c>).
    /// </summary>
    public ChannelReader<DeviceEvent>? DeviceEvents { get; init; }

    /// <summary>The installer's proposals to send; null: none are sent.</summary>
    public Proposals.ProposalFolder? Proposals { get; init; }

    /// <summary>Proposals the fleet acknowledged through this publisher.</summary>
    public long ProposalsSent => _proposals?.Sent ?? 0;

    /// <inheritdoc />
    public DeviceCredentials? Credentials => _session.Credentials;

    /// <summary>
    /// A publisher that owns a durable outbox in <paramref name="dataDirectory"/> (for <c>analyze --publish</c>); disposing
    /// the publisher closes it. Throws <see cref="OutboxException"/> when another agent holds that outbox.
    /// </summary>
    public static MqttPublisher WithOutbox(MqttOptions options, string deviceId, string dataDirectory, OutboxOptions outboxOptions, TimeProvider time, ILoggerFactory loggers, IHealthSource? health = null)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        var outbox = new SqliteAlertOutbox(dataDirectory, deviceId, outboxOptions, time, loggers.CreateLogger<SqliteAlertOutbox>());
        return new MqttPublisher(options, deviceId, outbox, ownsOutbox: true, time, loggers.CreateLogger<MqttPublisher>(), health, jitter: null);
    }

    /// <inheritdoc />
    public void Enqueue(AlertMessage alert) => _outbox.Enqueue(alert);

    /// <inheritdoc />
    public void Enqueue(IReadOnlyList<AlertMessage> alerts) => _outbox.Enqueue(alerts);

    /// <inheritdoc />
    public void Report(ReportedConfigMessage report) => _config.Report(report);

    /// <inheritdoc />
    void IModelReportSink.Report(ModelReportedMessage report) => _models.Report(report);

    /// <inheritdoc />
    public Task<bool> PublishCertificateRequestAsync(CertificateRequestMessage request, CancellationToken cancellationToken) =>
        _certificates.PublishRequestAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task SwitchCredentialsAsync(DeviceCredentials next, CancellationToken cancellationToken) => _session.SwitchCredentialsAsync(next, cancellationToken);

    /// <summary>Starts connecting and publishing in the background; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loops.Count > 0)
        {
            return Task.CompletedTask;
        }

        var ct = _stopping.Token;
        _loops.Add(Task.Run(() => _session.ConnectionLoopAsync(_alerts.DrainWhileConnectedAsync, ct), cancellationToken));
        if (_health is not null)
        {
            var heartbeats = new HeartbeatChannel(_session, _health, _outbox, _options.HeartbeatInterval);
            _loops.Add(Task.Run(() => heartbeats.RunAsync(ct), cancellationToken));
        }

        _loops.Add(Task.Run(() => _config.ReportLoopAsync(ct), cancellationToken));
        _loops.Add(Task.Run(() => _models.ReportLoopAsync(ct), cancellationToken));
        if (DeviceEvents is { } events)
        {
            var forwarder = new EventForwarder(_session, events);
            _loops.Add(Task.Run(() => forwarder.RunAsync(ct), cancellationToken));
        }

        if (Proposals is { } folder)
        {
            _proposals = new ProposalChannel(_session, folder, _options.ProposalScanInterval);
            _loops.Add(Task.Run(() => _proposals.RunAsync(ct), cancellationToken));
        }

        return Task.CompletedTask;
    }

    /// <summary>Waits until the first connection succeeded (online status published); false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _session.FirstConnection.WaitAsync(timeout, _session.Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Clean stop: publishes what waits (bounded by <see cref="MqttOptions.StopDrainTimeout"/>), then the retained offline status, then disconnects.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // One deadline for the batch in flight and for the drain after it.
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(_options.StopDrainTimeout);
        _inflight.CancelAfter(_options.StopDrainTimeout);
        await StopLoopsAsync().ConfigureAwait(false);
        if (!_session.IsConnected)
        {
            ReportUndelivered();
            return;
        }

        try
        {
            try
            {
                await _alerts.PublishWaitingAsync(drain.Token, drain.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when ((ex is OperationCanceledException || MqttSession.IsConnectionFailure(ex)) && drain.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // MQTTnet reports a cancelled PUBACK wait as a communication timeout.
                // Drain time is up: the rest stays in the outbox for the next start.
            }

            ReportUndelivered();
            await _session.PublishStatusAsync(DeviceState.Offline, cancellationToken).ConfigureAwait(false);
            await _session.DisconnectAsync(cancellationToken).ConfigureAwait(false);
            MqttLog.CleanStop(_logger);
        }
        catch (Exception ex) when (MqttSession.IsConnectionFailure(ex))
        {
            // The broker went away while stopping; it publishes the last will (offline) itself.
            MqttLog.PublishFailed(_logger, Topics.Status(_session.DeviceId), ex.Message);
        }
    }

    /// <summary>Stops without a clean disconnect: the broker sees the connection drop and publishes the last will.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_inflight.IsCancellationRequested)
        {
            // Not after a first dispose: the source is gone then (cancelled before it was disposed).
            await _inflight.CancelAsync().ConfigureAwait(false);
        }

        await StopLoopsAsync().ConfigureAwait(false);
        _session.Dispose();
        _stopping.Dispose();
        _inflight.Dispose();
        if (_ownsOutbox && _outbox is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    private async Task StopLoopsAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _session.Stopping();
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        foreach (var loop in _loops)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SqliteException || MqttSession.IsConnectionFailure(ex))
            {
                // Expected: the loops end by cancellation, which MQTTnet reports for a pending PUBACK as a timeout.
            }
        }
    }

    private void ReportUndelivered()
    {
        var left = _outbox.Counts.Depth;
        if (left > 0)
        {
            MqttLog.UndeliveredAtStop(_logger, left, _outbox.Location);
        }
    }
}
