using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Accepts alerts for publication without blocking the pipeline.</summary>
public interface IAlertPublisher
{
    /// <summary>Queues an alert; it is published (QoS 1) as soon as the broker is reachable.</summary>
    void Enqueue(AlertMessage alert);
}

/// <summary>Builds the periodic heartbeat.</summary>
public interface IHealthSource
{
    /// <summary>The heartbeat to publish at <paramref name="now"/>.</summary>
    HealthMessage Build(DateTimeOffset now);
}

/// <summary>
/// Publishes alerts (QoS 1, <see cref="Topics.Alerts"/>), heartbeats (<see cref="Topics.Health"/>) and the retained
/// online status (<see cref="Topics.Status"/>) whose last will is the retained offline status. Reconnects with
/// jittered exponential backoff. A clean <see cref="StopAsync"/> drains the queue, publishes offline and disconnects;
/// <see cref="DisposeAsync"/> without it drops the connection so the broker publishes the last will.
/// </summary>
public sealed class MqttPublisher : IAlertPublisher, IAsyncDisposable
{
    private readonly MqttOptions _options;
    private readonly string _deviceId;
    private readonly string _clientId;
    private readonly IHealthSource? _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly AlertQueue _queue;
    private readonly ReconnectBackoff _backoff;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstConnection = NewSignal();
    private TaskCompletionSource _disconnected = NewSignal();
    private Task? _connectionLoop;
    private Task? _heartbeatLoop;
    private long _published;
    private long _dropped;

    public MqttPublisher(MqttOptions options, string deviceId, TimeProvider time, ILogger<MqttPublisher> logger, IHealthSource? health = null, Func<double>? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(deviceId);
        _options = options;
        _deviceId = deviceId;
        _clientId = options.ClientId ?? $"vsa-agent-{deviceId}";
        _health = health;
        _time = time;
        _logger = logger;
        _queue = new AlertQueue(options.MaxQueuedAlerts);
        _backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay, jitter);
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>Whether the client is connected now.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Alerts the broker acknowledged.</summary>
    public long AlertsPublished => Interlocked.Read(ref _published);

    /// <summary>Alerts dropped because the queue was full.</summary>
    public long AlertsDropped => Interlocked.Read(ref _dropped);

    /// <summary>Alerts waiting for the broker.</summary>
    public int AlertsQueued => _queue.Count;

    /// <inheritdoc />
    public void Enqueue(AlertMessage alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var dropped = _queue.Enqueue(alert);
        if (dropped is not null)
        {
            Interlocked.Increment(ref _dropped);
            MqttLog.AlertDropped(_logger, _options.MaxQueuedAlerts, dropped.AlertId, dropped.EventType.ToString(), dropped.State.ToString());
        }
    }

    /// <summary>Starts connecting and publishing in the background; returns at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _connectionLoop ??= Task.Run(() => ConnectionLoopAsync(_stopping.Token), cancellationToken);
        _heartbeatLoop ??= Task.Run(() => HeartbeatLoopAsync(_stopping.Token), cancellationToken);
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

    /// <summary>Clean stop: publishes what is queued (bounded by <see cref="MqttOptions.StopDrainTimeout"/>), then the retained offline status, then disconnects.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopLoopsAsync().ConfigureAwait(false);
        if (!_client.IsConnected)
        {
            ReportUndelivered();
            return;
        }

        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(_options.StopDrainTimeout);
        try
        {
            await PublishQueuedAsync(drain.Token).ConfigureAwait(false);
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
        await StopLoopsAsync().ConfigureAwait(false);
        _client.DisconnectedAsync -= OnDisconnectedAsync;
        _client.Dispose();
        _stopping.Dispose();
    }

    private async Task StopLoopsAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        foreach (var loop in new[] { _connectionLoop, _heartbeatLoop })
        {
            if (loop is null)
            {
                continue;
            }

            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected: the loops end by cancellation.
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
                await PublishQueuedAsync(ct).ConfigureAwait(false);

                // Sleep until an alert arrives or the connection drops (then reconnect at once).
                await Task.WhenAny(_queue.WaitNonEmptyAsync(), _disconnected.Task).WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionFailure(ex) && !ct.IsCancellationRequested)
            {
                MqttLog.PublishFailed(_logger, Topics.Alerts(_deviceId), ex.Message);
            }
        }
    }

    private async Task<bool> TryConnectAsync(CancellationToken ct)
    {
        try
        {
            var connectedAt = _time.GetUtcNow();
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(_options.Host, _options.Port)
                .WithClientId(_clientId)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithCleanStart(true)
                .WithKeepAlivePeriod(_options.KeepAlive)
                .WithTimeout(_options.ConnectTimeout)
                .WithWillTopic(Topics.Status(_deviceId))
                .WithWillPayload(Serialize(Status(DeviceState.Offline, connectedAt), ContractsJsonContext.Default.StatusMessage))
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            _disconnected = NewSignal();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.ConnectTimeout);
            var result = await _client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttCommunicationException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            await PublishStatusAsync(DeviceState.Online, ct).ConfigureAwait(false);
            _backoff.Reset();
            _firstConnection.TrySetResult();
            MqttLog.Connected(_logger, _options.Host, _options.Port, _clientId);
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

    private async Task PublishQueuedAsync(CancellationToken ct)
    {
        while (_queue.TryPeek(out var alert))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Alerts(_deviceId))
                .WithPayload(Serialize(alert, ContractsJsonContext.Default.AlertMessage))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build();
            var result = await _client.PublishAsync(message, ct).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new MqttCommunicationException($"broker rejected alert {alert.MessageId}: {result.ReasonCode} {result.ReasonString}");
            }

            _queue.RemoveHead(alert);
            Interlocked.Increment(ref _published);
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
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(Topics.Health(_deviceId))
                    .WithPayload(Serialize(health, ContractsJsonContext.Default.HealthMessage))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                    .WithContentType("application/json")
                    .Build();
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
        _client.PublishAsync(
            new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Status(_deviceId))
                .WithPayload(Serialize(Status(state, _time.GetUtcNow()), ContractsJsonContext.Default.StatusMessage))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .WithContentType("application/json")
                .Build(),
            ct);

    private StatusMessage Status(DeviceState state, DateTimeOffset at) =>
        new(StatusMessage.SchemaId, StatusMessage.CurrentVersion, _deviceId, state, at);

    private void ReportUndelivered()
    {
        var left = _queue.Count;
        if (left > 0)
        {
            MqttLog.UndeliveredAtStop(_logger, left);
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && !_stopping.IsCancellationRequested)
        {
            MqttLog.Disconnected(_logger, e.Exception?.Message ?? e.Reason.ToString());
        }

        _disconnected.TrySetResult();
        return Task.CompletedTask;
    }

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool IsConnectionFailure(Exception ex) =>
        ex is MqttCommunicationException or SocketException or IOException or TimeoutException or InvalidOperationException;
}
