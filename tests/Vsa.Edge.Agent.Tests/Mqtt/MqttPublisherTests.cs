using System.Text.Json;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Mqtt;

/// <summary>The publisher against a real in-process broker, observed by a real subscriber; no error may be logged.</summary>
public sealed class MqttPublisherTests : IDisposable
{
    private const string DeviceId = "edge-test-01";
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggers;

    public MqttPublisherTests() => _loggers = _logs.CreateFactory();

    public void Dispose()
    {
        _loggers.Dispose();
        Assert.Empty(_logs.Errors);
        _logs.Dispose();
    }

    [Fact]
    public async Task Enqueue_Connected_DeliversAlertJsonWithQos1()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Alerts(DeviceId));
        await using var publisher = Publisher(broker.Port);
        await publisher.StartAsync(CancellationToken.None);
        var alert = Alert();

        publisher.Enqueue(alert);
        var received = await subscriber.WaitForAsync(m => m.Topic == Topics.Alerts(DeviceId));

        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, received.Qos);
        var parsed = JsonSerializer.Deserialize(received.Payload, ContractsJsonContext.Default.AlertMessage);
        Assert.NotNull(parsed);
        Assert.Equal(alert.MessageId, parsed.MessageId);
        Assert.Equal(EventType.Intrusion, parsed.EventType);
        Assert.Contains("\"eventType\":\"intrusion\"", received.Payload, StringComparison.Ordinal);
        await publisher.StopAsync(CancellationToken.None);
        Assert.Equal(1, publisher.AlertsPublished);
    }

    [Fact]
    public async Task StartAsync_Connected_RetainsOnlineStatus()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var publisher = Publisher(broker.Port);
        await publisher.StartAsync(CancellationToken.None);
        Assert.True(await publisher.WaitConnectedAsync(TimeSpan.FromSeconds(30), CancellationToken.None));

        // A subscriber arriving later still sees the status: it is retained.
        await using var late = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Status(DeviceId));
        var status = await late.WaitForAsync(m => m.Topic == Topics.Status(DeviceId));

        Assert.True(status.Retain);
        Assert.Equal(DeviceState.Online, Status(status).State);
        await publisher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task DisposeAsync_WithoutCleanStop_BrokerPublishesRetainedOfflineWill()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Status(DeviceId));
        var publisher = Publisher(broker.Port);
        await publisher.StartAsync(CancellationToken.None);
        await subscriber.WaitForAsync(m => Status(m).State == DeviceState.Online);

        await publisher.DisposeAsync();
        var will = await subscriber.WaitForAsync(m => Status(m).State == DeviceState.Offline);

        Assert.Equal(DeviceId, Status(will).DeviceId);
        await using var late = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Status(DeviceId));
        var retained = await late.WaitForAsync(m => m.Topic == Topics.Status(DeviceId));
        Assert.True(retained.Retain);
        Assert.Equal(DeviceState.Offline, Status(retained).State);
    }

    [Fact]
    public async Task StopAsync_Clean_PublishesRetainedOfflineStatus()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Status(DeviceId));
        await using var publisher = Publisher(broker.Port);
        await publisher.StartAsync(CancellationToken.None);
        await subscriber.WaitForAsync(m => Status(m).State == DeviceState.Online);

        await publisher.StopAsync(CancellationToken.None);
        await subscriber.WaitForAsync(m => Status(m).State == DeviceState.Offline);

        await using var late = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Status(DeviceId));
        var retained = await late.WaitForAsync(m => m.Topic == Topics.Status(DeviceId));
        Assert.Equal(DeviceState.Offline, Status(retained).State);
        Assert.False(publisher.IsConnected);
    }

    [Fact]
    public async Task Enqueue_BrokerDownThenUp_KeepsAlertsAndDeliversThemAfterReconnecting()
    {
        var port = InProcessBroker.FreePort();
        await using var publisher = Publisher(port);
        await publisher.StartAsync(CancellationToken.None);
        var first = Alert();
        var second = Alert();
        publisher.Enqueue(first);
        publisher.Enqueue(second);
        Assert.False(await publisher.WaitConnectedAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.Equal(2, publisher.AlertsQueued);

        await using var broker = await InProcessBroker.StartAsync(port);
        await using var subscriber = await RecordingSubscriber.ConnectAsync(port, Topics.Alerts(DeviceId));
        await subscriber.WaitForAsync(m => m.Payload.Contains(second.MessageId, StringComparison.Ordinal));

        var order = subscriber.Received.Select(m => JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.AlertMessage)!.MessageId).ToList();
        Assert.Equal([first.MessageId, second.MessageId], order);
        Assert.Contains(_logs.Entries, e => e.EventId == 4001);
        await publisher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Heartbeat_Connected_PublishesHealthPeriodically()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Health(DeviceId));
        var health = new FixedHealth();
        await using var publisher = Publisher(broker.Port, health, heartbeat: TimeSpan.FromMilliseconds(200));
        await publisher.StartAsync(CancellationToken.None);

        var message = await subscriber.WaitForAsync(m => m.Topic == Topics.Health(DeviceId));

        var parsed = JsonSerializer.Deserialize(message.Payload, ContractsJsonContext.Default.HealthMessage)!;
        Assert.Equal("CPU", parsed.ExecutionProvider);
        Assert.Equal(12.5, parsed.Cameras.Single().Fps);
        await publisher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_QueueFull_DropsTheOldestAlert()
    {
        await using var publisher = new MqttPublisher(
            new MqttOptions { Host = "127.0.0.1", Port = InProcessBroker.FreePort(), MaxQueuedAlerts = 2 },
            DeviceId,
            TimeProvider.System,
            _loggers.CreateLogger<MqttPublisher>());

        publisher.Enqueue(Alert());
        publisher.Enqueue(Alert());
        publisher.Enqueue(Alert());

        Assert.Equal(2, publisher.AlertsQueued);
        Assert.Equal(1, publisher.AlertsDropped);
        Assert.Contains(_logs.Entries, e => e.EventId == 4003);
    }

    private MqttPublisher Publisher(int port, IHealthSource? health = null, TimeSpan? heartbeat = null) =>
        new(
            new MqttOptions
            {
                Host = "127.0.0.1",
                Port = port,
                ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(400),
                ConnectTimeout = TimeSpan.FromSeconds(5),
                HeartbeatInterval = heartbeat ?? TimeSpan.FromSeconds(10),
            },
            DeviceId,
            TimeProvider.System,
            _loggers.CreateLogger<MqttPublisher>(),
            health);

    private static StatusMessage Status(ReceivedMessage m) =>
        JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.StatusMessage)!;

    private static AlertMessage Alert()
    {
        var now = DateTimeOffset.UtcNow;
        return new AlertMessage(
            AlertMessage.SchemaId,
            AlertMessage.CurrentVersion,
            Guid.CreateVersion7().ToString(),
            Guid.CreateVersion7().ToString(),
            0,
            DeviceId,
            "cam-1",
            EventType.Intrusion,
            AlertState.Start,
            now.AddSeconds(-2),
            now,
            null,
            "square",
            0.8,
            new Measurement("duration", 2, "s"),
            [new AlertObject("person", 0.8, [0.1, 0.2, 0.05, 0.2], 3)],
            new ModelRef("nanodet-coco", "test"));
    }

    private sealed class FixedHealth : IHealthSource
    {
        public HealthMessage Build(DateTimeOffset now) =>
            new(HealthMessage.SchemaId, HealthMessage.CurrentVersion, DeviceId, now, 1, "test", "CPU", null, [new CameraHealth("cam-1", true, 12.5, 0, 17, 20)]);
    }
}
