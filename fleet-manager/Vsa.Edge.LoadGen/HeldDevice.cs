using System.Diagnostics;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// One simulated device held on the broker, speaking as the agent does (MQTT 5; last will: its retained "offline" status
/// stamped with the connection time; retained "online" status once connected), with QoS 1 heartbeats so that each one it
/// counts as sent was acknowledged by the broker. Client id = device id: the embedded broker's bench endpoint lets a client
/// publish only as the device its client id names.
/// </summary>
internal sealed class HeldDevice(string deviceId) : IDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private int _heartbeatsSent;
    private int _heartbeatsFailed;
    private bool _dropped;

    public string DeviceId { get; } = deviceId;

    /// <summary>Heartbeats the broker acknowledged.</summary>
    public int HeartbeatsSent => Volatile.Read(ref _heartbeatsSent);

    /// <summary>Heartbeats whose publish failed or was refused (not acknowledged).</summary>
    public int HeartbeatsFailed => Volatile.Read(ref _heartbeatsFailed);

    /// <summary>Why the connection was lost, when it was lost without this device deciding it (null while it holds).</summary>
    public string? LostBecause { get; private set; }

    public bool IsHeld => _client.IsConnected && LostBecause is null;

    /// <summary>Connects (with the last will) and publishes the retained "online" status; returns the connect time.</summary>
    public async Task<TimeSpan> ConnectAsync(int port, TimeSpan keepAlive, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var connectedAt = TimeProvider.System.GetUtcNow();
        var options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(DeviceId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(keepAlive)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .WithWillTopic(Topics.Status(DeviceId))
            .WithWillPayload(Status(DeviceState.Offline, connectedAt))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.ConnectAsync(options, cancellationToken);
        _client.DisconnectedAsync += e =>
        {
            if (!_dropped)
            {
                LostBecause ??= $"{e.Reason} {e.ReasonString} {e.Exception?.Message}".Trim();
            }

            return Task.CompletedTask;
        };
        await PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Status(DeviceId))
            .WithPayload(Status(DeviceState.Online, connectedAt))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build(), cancellationToken);
        return clock.Elapsed;
    }

    /// <summary>
    /// One heartbeat every <paramref name="period"/>, the first after a random part of it (devices spread over the period as
    /// real ones are), the last before <paramref name="until"/> (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    public async Task HeartbeatsAsync(TimeSpan period, long until, CancellationToken cancellationToken)
    {
        var first = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * period.TotalMilliseconds);
        if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until) <= first)
        {
            return;
        }

        await Task.Delay(first, cancellationToken);
        using var timer = new PeriodicTimer(period);
        var uptime = 0d;
        do
        {
            var health = new HealthMessage(HealthMessage.SchemaId, HealthMessage.CurrentVersion, DeviceId, TimeProvider.System.GetUtcNow(), uptime,
                "0.1.0", "CPU", new ModelRef("nanodet-coco", "1"), [new CameraHealth("cam-1", true, 10, 2, 5, 8)]);
            uptime += period.TotalSeconds;
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(Topics.Health(DeviceId))
                .WithPayload(JsonSerializer.SerializeToUtf8Bytes(health, ContractsJsonContext.Default.HealthMessage))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            try
            {
                await PublishAsync(message, cancellationToken);
                Interlocked.Increment(ref _heartbeatsSent);
            }
            catch (Exception ex) when (ex is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _heartbeatsFailed);
            }
        }
        while (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until) > period && await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>Publishes one QoS 1 alert and returns once the broker acknowledged it (the embedded broker: once stored).</summary>
    public Task PublishAlertAsync(AlertMessage alert, CancellationToken cancellationToken) =>
        PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Alerts(DeviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(alert, ContractsJsonContext.Default.AlertMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken);

    /// <summary>
    /// Loses the connection as a device that loses power does: the socket is closed without a DISCONNECT packet, so the
    /// broker publishes the last will.
    /// </summary>
    public void Drop()
    {
        _dropped = true;
        _client.Dispose();
    }

    /// <summary>A clean DISCONNECT (no last will).</summary>
    public async Task DisconnectAsync()
    {
        _dropped = true;
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        var result = await _client.PublishAsync(message, cancellationToken);
        if ((int)result.ReasonCode >= 0x80)
        {
            throw new InvalidOperationException($"{message.Topic}: publish refused: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private byte[] Status(DeviceState state, DateTimeOffset at) =>
        JsonSerializer.SerializeToUtf8Bytes(new StatusMessage(StatusMessage.SchemaId, StatusMessage.CurrentVersion, DeviceId, state, at), ContractsJsonContext.Default.StatusMessage);
}
