using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Resilience;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// Drains the alert outbox to the broker (QoS 1, <see cref="Topics.Alerts"/>) in outbox order, removing an alert only
/// after its PUBACK with a success reason code; publishes heartbeats (<see cref="Topics.Health"/>, with the outbox
/// figures) and the retained online status (<see cref="Topics.Status"/>) whose last will is the retained offline status.
/// Connects with an MQTT 5 persistent session (clean start off, session expiry) and reconnects with jittered exponential
/// backoff. A clean <see cref="StopAsync"/> drains for a bounded time, publishes offline and disconnects (what is left
/// stays in the outbox for the next start); <see cref="DisposeAsync"/> without it drops the connection so the broker
/// publishes the last will.
/// </summary>
public sealed partial class MqttPublisher : IAlertPublisher, IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly string _deviceId;
    private readonly string _clientId;
    private readonly IAlertOutbox _outbox;
    private readonly bool _ownsOutbox;
    private readonly IHealthSource? _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private DeviceCredentials? _credentials;
    private readonly ReconnectBackoff _backoff;
    private readonly CancellationTokenSource _stopping = new();

    // Cancels the PUBACK waits of alerts already sent. A stop lets them finish (up to the drain time) rather than cutting them
    // off: an alert the broker has but whose acknowledgement was abandoned would stay in the outbox and be sent twice.
    private readonly CancellationTokenSource _inflight = new();
    private readonly TaskCompletionSource _firstConnection = NewSignal();
    private TaskCompletionSource _disconnected = NewSignal();
    private TaskCompletionSource _connected = NewSignal();
    private Task? _connectionLoop;
    private Task? _heartbeatLoop;
    private Task? _eventsLoop;
    private long _published;
    private int _connections;

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
        _deviceId = deviceId;
        // Loaded once, so a missing or unreadable key stops the agent at start rather than at every reconnection.
        _credentials = DeviceCredentials.Load(options);
        _clientId = options.ClientId ?? (_credentials is null ? $"vsa-agent-{deviceId}" : deviceId);
        _outbox = outbox;
        _ownsOutbox = ownsOutbox;
        _health = health;
        _time = time;
        _logger = logger;
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, jitter);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnApplicationMessageAsync;
    }

    /// <summary>Whether the client is connected now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Alerts the broker acknowledged through this publisher.</summary>
    public long AlertsPublished => Interlocked.Read(ref _published);

    /// <summary>Alerts lost since the outbox was created (dropped by its bounds, refused, or not stored).</summary>
    public long AlertsDropped => _outbox.Counts.Dropped;

    /// <summary>Alerts waiting in the outbox.</summary>
    public int AlertsQueued => _outbox.Counts.Depth;

    /// <summary>The outbox this publisher drains.</summary>
    public IAlertOutbox Outbox => _outbox;

    /// <summary>Successful connections so far; the broker kept the session on the later ones when <see cref="SessionPresent"/>.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Whether the broker still held this client's session at the last connection (MQTT 5 persistent session).</summary>
    public bool SessionPresent { get; private set; }

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

    /// <summary>Starts connecting and publishing in the background; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _connectionLoop ??= Task.Run(() => ConnectionLoopAsync(_stopping.Token), cancellationToken);
        _heartbeatLoop ??= Task.Run(() => HeartbeatLoopAsync(_stopping.Token), cancellationToken);
        _reportLoop ??= Task.Run(() => ReportLoopAsync(_stopping.Token), cancellationToken);
        _modelReportLoop ??= Task.Run(() => ModelReportLoopAsync(_stopping.Token), cancellationToken);
        if (DeviceEvents is { } events)
        {
            _eventsLoop ??= Task.Run(() => DeviceEventsLoopAsync(events, _stopping.Token), cancellationToken);
        }

        if (Proposals is { } proposals)
        {
            _proposalLoop ??= Task.Run(() => ProposalLoopAsync(proposals, _stopping.Token), cancellationToken);
        }
        return Task.CompletedTask;
    }

    /// <summary>Waits until the first connection succeeded (online status published); false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _firstConnection.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
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
        if (!_client.IsConnected)
        {
            ReportUndelivered();
            return;
        }

        try
        {
            try
            {
                await PublishWaitingAsync(drain.Token, drain.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when ((ex is OperationCanceledException || IsConnectionFailure(ex)) && drain.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // MQTTnet reports a cancelled PUBACK wait as a communication timeout.
                // Drain time is up: the rest stays in the outbox for the next start.
            }

            ReportUndelivered();
            await PublishStatusAsync(DeviceState.Offline, cancellationToken).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken).ConfigureAwait(false);
            MqttLog.CleanStop(_logger);
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            // The broker went away while stopping; it publishes the last will (offline) itself.
            MqttLog.PublishFailed(_logger, Topics.Status(_deviceId), ex.Message);
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
        _client.DisconnectedAsync -= OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync -= OnApplicationMessageAsync;
        _client.Dispose();
        Volatile.Read(ref _credentials)?.Dispose();
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
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        foreach (var loop in new[] { _connectionLoop, _heartbeatLoop, _eventsLoop, _reportLoop, _modelReportLoop, _proposalLoop })
        {
            if (loop is null)
            {
                continue;
            }

            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SqliteException || IsConnectionFailure(ex))
            {
                // Expected: the loops end by cancellation, which MQTTnet reports for a pending PUBACK as a timeout.
            }
        }
    }

    private async Task ConnectionLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (!_client.IsConnected && !await TryConnectAsync(ct).ConfigureAwait(false))
            {
                continue;
            }

            try
            {
                await PublishWaitingAsync(ct, _inflight.Token).ConfigureAwait(false);

                // Sleep until an alert is stored or the connection drops (then reconnect at once).
                await Task.WhenAny(_outbox.WaitAsync(c => c.Depth > 0, ct), _disconnected.Task).WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when ((IsConnectionFailure(ex) || ex is SqliteException or OperationCanceledException) && !ct.IsCancellationRequested)
            {
                MqttLog.PublishFailed(_logger, Topics.Alerts(_deviceId), ex.Message);
                if (_client.IsConnected)
                {
                    // Still connected, so the broker refused (or the disk failed): wait before the same alert again.
                    await Task.Delay(_backoff.Next(), _time, ct).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task<bool> TryConnectAsync(CancellationToken ct)
    {
        try
        {
            var connectedAt = _time.GetUtcNow();
            var credentials = Volatile.Read(ref _credentials);
            var options = MqttMessages.ConnectOptions(_options, _clientId, _deviceId, connectedAt, credentials);
            _disconnected = NewSignal();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.ConnectTimeout);
            var result = await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttCommunicationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            SessionPresent = result.IsSessionPresent;
            await PublishStatusAsync(DeviceState.Online, ct).ConfigureAwait(false);

            // At every connection: the session may be new (expired, broker restarted), and the retained desired
            // configuration it brings back is a no-op when already applied.
            await SubscribeSuspensionAsync(ct).ConfigureAwait(false);
            await SubscribeDesiredAsync(ct).ConfigureAwait(false);
            await SubscribeCertificatesAsync(ct).ConfigureAwait(false);
            await PublishPendingInstallationsAsync(ct).ConfigureAwait(false);
            _backoff.Reset();
            Interlocked.Increment(ref _connections);
            _firstConnection.TrySetResult();
            _connected.TrySetResult();
            ConnectedWith(credentials);
            MqttLog.Connected(_logger, _options.Host, _options.Port, _clientId, result.IsSessionPresent, _outbox.Counts.Depth);
            return true;
        }
        catch (Exception ex) when ((IsConnectionFailure(ex) || ex is OperationCanceledException) && !ct.IsCancellationRequested)
        {
            var delay = _backoff.Next();
            MqttLog.ConnectFailed(_logger, _options.Host, _options.Port, _backoff.Attempt, ex.Message, delay);
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
            return false;
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        if (_health is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            if (!_client.IsConnected)
            {
                continue;
            }

            try
            {
                var health = _health.Build(_time.GetUtcNow());
                health = health with { Outbox = health.Outbox ?? PublishOutcomes.OutboxHealthOf(_outbox, _time.GetUtcNow()) };
                var message = MqttMessages.Health(_deviceId, health);
                await _client.PublishAsync(message, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionFailure(ex) && !ct.IsCancellationRequested)
            {
                // A missed heartbeat is not retried: the next one supersedes it.
                MqttLog.PublishFailed(_logger, Topics.Health(_deviceId), ex.Message);
            }
        }
    }

    private Task<MqttClientPublishResult> PublishStatusAsync(DeviceState state, CancellationToken ct) =>
        _client.PublishAsync(MqttMessages.Status(_deviceId, state, _time.GetUtcNow()), ct);

    private void ReportUndelivered()
    {
        var left = _outbox.Counts.Depth;
        if (left > 0)
        {
            MqttLog.UndeliveredAtStop(_logger, left, _outbox.Location);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && !_stopping.IsCancellationRequested && !SwitchingCredentials)
        {
            MqttLog.Disconnected(_logger, e.Exception?.Message ?? e.Reason.ToString());
        }

        if (_connected.Task.IsCompleted)
        {
            _connected = NewSignal();
        }

        _disconnected.TrySetResult();
        return Task.CompletedTask;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool IsConnectionFailure(Exception ex) =>
        ex is MqttCommunicationException or SocketException or IOException or TimeoutException or InvalidOperationException;
}
