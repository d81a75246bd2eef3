using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Mqtt;

/// <summary>The publisher against a real in-process broker, observed by a real subscriber; no error may be logged.</summary>
public sealed class MqttPublisherTests : IDisposable
{
    private const string DeviceId = "edge-test-01";
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("vsa-publisher-");
    private readonly List<SqliteAlertOutbox> _outboxes = [];

    public MqttPublisherTests() => _loggers = _logs.CreateFactory();

    public void Dispose()
    {
        foreach (var outbox in _outboxes)
        {
            outbox.Dispose();
        }

        _data.Delete(recursive: true);
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
    public async Task Enqueue_OutboxFull_DropsTheOldestAlert()
    {
        await using var publisher = new MqttPublisher(
            new MqttOptions { Host = "127.0.0.1", Port = InProcessBroker.FreePort() },
            DeviceId,
            Outbox(new OutboxOptions { MaxAlerts = 2 }),
            TimeProvider.System,
            _loggers.CreateLogger<MqttPublisher>());

        publisher.Enqueue(Alert());
        publisher.Enqueue(Alert());
        publisher.Enqueue(Alert());

        Assert.Equal(2, publisher.AlertsQueued);
        Assert.Equal(1, publisher.AlertsDropped);
        Assert.Contains(_logs.Entries, e => e.EventId == 4101);
    }

    [Fact]
    public async Task DeviceEvents_RaisedBeforeAndAfterConnecting_ArePublishedInOrderWithQos1()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Events(DeviceId));
        var events = Channel.CreateUnbounded<DeviceEvent>();
        events.Writer.TryWrite(Event(DeviceEventKind.CameraOffline));
        await using var publisher = new MqttPublisher(Options(broker.Port), DeviceId, Outbox(), TimeProvider.System, _loggers.CreateLogger<MqttPublisher>())
        {
            DeviceEvents = events.Reader,
        };

        await publisher.StartAsync(CancellationToken.None);
        await subscriber.WaitForAsync(m => m.Payload.Contains("camera_offline", StringComparison.Ordinal));
        events.Writer.TryWrite(Event(DeviceEventKind.CameraOnline));
        var online = await subscriber.WaitForAsync(m => m.Payload.Contains("camera_online", StringComparison.Ordinal));

        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, online.Qos);
        Assert.Equal(2, subscriber.Received.Count);
        await publisher.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public async Task Enqueue_Backlog_EveryPayloadArrivesIntactAndInOrder(int inflight)
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Alerts(DeviceId));
        var alerts = Enumerable.Range(0, 300).Select(_ => Alert()).ToList();
        var outbox = Outbox();
        outbox.Enqueue(alerts);
        var options = Options(broker.Port);
        options.MaxInflightAlerts = inflight;
        await using var publisher = new MqttPublisher(options, DeviceId, outbox, TimeProvider.System, _loggers.CreateLogger<MqttPublisher>());

        await publisher.StartAsync(CancellationToken.None);
        await subscriber.WaitForAsync(m => m.Payload.Contains(alerts[^1].MessageId, StringComparison.Ordinal));

        var received = subscriber.Received.Select(m => m.Payload).ToList();
        var bad = received.Where(p => !p.StartsWith('{')).ToList();
        Assert.True(bad.Count == 0, $"{bad.Count} corrupted payloads, first: {bad.FirstOrDefault()?[..Math.Min(60, bad.First().Length)]}");
        Assert.Equal(alerts.Select(a => a.MessageId), received.Select(p => JsonSerializer.Deserialize(p, ContractsJsonContext.Default.AlertMessage)!.MessageId));
        await publisher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Heartbeat_Connected_CarriesTheOutboxFigures()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Health(DeviceId));
        await using var publisher = Publisher(broker.Port, new FixedHealth(), heartbeat: TimeSpan.FromMilliseconds(200));
        await publisher.StartAsync(CancellationToken.None);

        var message = await subscriber.WaitForAsync(m => m.Topic == Topics.Health(DeviceId));

        var outbox = JsonSerializer.Deserialize(message.Payload, ContractsJsonContext.Default.HealthMessage)!.Outbox;
        Assert.NotNull(outbox);
        Assert.Equal(0, outbox.Depth);
        Assert.Equal(0, outbox.Dropped);
        await publisher.StopAsync(CancellationToken.None);
    }

    private SqliteAlertOutbox Outbox(OutboxOptions? options = null)
    {
        var outbox = new SqliteAlertOutbox(
            Path.Combine(_data.FullName, Guid.NewGuid().ToString("N")), DeviceId, options ?? new OutboxOptions(), TimeProvider.System, _loggers.CreateLogger<SqliteAlertOutbox>());
        _outboxes.Add(outbox);
        return outbox;
    }

    private MqttPublisher Publisher(int port, IHealthSource? health = null, TimeSpan? heartbeat = null, SqliteAlertOutbox? outbox = null) =>
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
            outbox ?? Outbox(),
            TimeProvider.System,
            _loggers.CreateLogger<MqttPublisher>(),
            health);

    private static StatusMessage Status(ReceivedMessage m) =>
        JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.StatusMessage)!;

    private static AlertMessage Alert() => TestAlerts.Start(DeviceId);

    private static DeviceEvent Event(DeviceEventKind kind) =>
        new(DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, Guid.CreateVersion7().ToString(), DeviceId, kind, DateTimeOffset.UtcNow, "cam-1", null, null);

    private static MqttOptions Options(int port) =>
        new() { Host = "127.0.0.1", Port = port, ReconnectMinDelay = TimeSpan.FromMilliseconds(50), ReconnectMaxDelay = TimeSpan.FromMilliseconds(400) };

    private sealed class FixedHealth : IHealthSource
    {
        public HealthMessage Build(DateTimeOffset now) =>
            new(HealthMessage.SchemaId, HealthMessage.CurrentVersion, DeviceId, now, 1, "test", "CPU", null, [new CameraHealth("cam-1", true, 12.5, 0, 17, 20)]);
    }
}
