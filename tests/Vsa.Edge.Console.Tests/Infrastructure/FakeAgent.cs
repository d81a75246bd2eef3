using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>
/// A real MQTT 5 client publishing as an agent does: QoS 1 alerts and heartbeats, a retained "online" status, and a
/// retained "offline" last will the broker publishes when the connection drops.
/// </summary>
public sealed class FakeAgent : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private FakeAgent(IMqttClient client, string deviceId, DateTimeOffset connectedAt)
    {
        _client = client;
        DeviceId = deviceId;
        ConnectedAt = connectedAt;
    }

    /// <summary>The device id used in topics and payloads.</summary>
    public string DeviceId { get; }

    /// <summary>When it connected: the time its online status and its last will carry.</summary>
    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Connects with an "offline" last will and publishes its retained "online" status.</summary>
    public static async Task<FakeAgent> ConnectAsync(int port, string deviceId)
    {
        var connectedAt = DateTimeOffset.UtcNow;
        var will = JsonSerializer.Serialize(
            new StatusMessage(StatusMessage.SchemaId, StatusMessage.CurrentVersion, deviceId, DeviceState.Offline, connectedAt), ContractsJsonContext.Default.StatusMessage);
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(deviceId)
            .WithWillTopic(Topics.Status(deviceId))
            .WithWillPayload(will)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain()
            .Build();
        using var guard = new CancellationTokenSource(ConsoleHost.Timeout);
        var result = await client.ConnectAsync(options, guard.Token);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        var agent = new FakeAgent(client, deviceId, connectedAt);
        await agent.PublishAsync(Topics.Status(deviceId),
            JsonSerializer.Serialize(new StatusMessage(StatusMessage.SchemaId, StatusMessage.CurrentVersion, deviceId, DeviceState.Online, connectedAt), ContractsJsonContext.Default.StatusMessage),
            retain: true);
        return agent;
    }

    /// <summary>Publishes an alert message.</summary>
    public Task PublishAsync(AlertMessage alert) =>
        PublishAsync(Topics.Alerts(DeviceId), JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage));

    /// <summary>Publishes a heartbeat.</summary>
    public Task PublishAsync(HealthMessage health) =>
        PublishAsync(Topics.Health(DeviceId), JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage));

    /// <summary>Publishes its configuration report, retained as the agent does, on <c>vsa/v1/{id}/config/reported</c>.</summary>
    public Task PublishAsync(ReportedConfigMessage report) =>
        PublishAsync(Topics.ConfigReported(DeviceId), JsonSerializer.Serialize(report, ContractsJsonContext.Default.ReportedConfigMessage), retain: true);

    /// <summary>Publishes an installer's proposal on <c>vsa/v1/{id}/config/proposal</c>, as the agent sends a file of its <c>proposals/</c> folder.</summary>
    public Task PublishAsync(ConfigProposalMessage proposal) =>
        PublishAsync(Topics.ConfigProposal(DeviceId), JsonSerializer.Serialize(proposal, ContractsJsonContext.Default.ConfigProposalMessage));

    /// <summary>Publishes a device event (tamper, maintenance, camera offline/online).</summary>
    public Task PublishAsync(DeviceEventKind kind, string? cameraId = null) =>
        PublishAsync(Topics.Events(DeviceId), JsonSerializer.Serialize(
            new DeviceEvent(DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, Guid.CreateVersion7().ToString(), DeviceId, kind, DateTimeOffset.UtcNow, cameraId, "test", null),
            ContractsJsonContext.Default.DeviceEvent));

    /// <summary>
    /// Drops the connection the way a crash or a cut cable does, without a DISCONNECT packet: the broker then publishes
    /// the last will.
    /// </summary>
    public void Drop() => _client.Dispose();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.TryDisconnectAsync();
        }

        _client.Dispose();
    }

    private async Task PublishAsync(string topic, string payload, bool retain = false)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        using var guard = new CancellationTokenSource(ConsoleHost.Timeout);
        var result = await _client.PublishAsync(message, guard.Token);
        Assert.True((int)result.ReasonCode < 0x80, $"broker refused the publish on {topic}: {result.ReasonCode}");
    }
}
