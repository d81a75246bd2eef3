using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>
/// A real MQTT 5 client playing a device over plain MQTT: publishes with QoS 1 and waits for the broker's acknowledgement. Its
/// client id is the device id, which is what the embedded broker's test bench (BenchDevicesMayPublish) lets publish that
/// device's own topics; enrolled devices over mutual TLS are <c>Trust.TrustedDevice</c>.
/// </summary>
public sealed class TestDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private TestDevice(IMqttClient client, string deviceId)
    {
        _client = client;
        DeviceId = deviceId;
    }

    /// <summary>The device id used in topics.</summary>
    public string DeviceId { get; }

    /// <summary>Connects to the broker at 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<TestDevice> ConnectAsync(int port, string deviceId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(deviceId)
            .Build();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var result = await client.ConnectAsync(options, guard.Token);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return new TestDevice(client, deviceId);
    }

    /// <summary>Publishes an alert on this device's alert topic.</summary>
    public Task PublishAsync(AlertMessage alert) =>
        PublishRawAsync(Topics.Alerts(DeviceId), JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage));

    /// <summary>Publishes a heartbeat on this device's health topic.</summary>
    public Task PublishAsync(HealthMessage health) =>
        PublishRawAsync(Topics.Health(DeviceId), JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage));

    /// <summary>Publishes a retained status on this device's status topic.</summary>
    public Task PublishAsync(StatusMessage status) =>
        PublishRawAsync(Topics.Status(DeviceId), JsonSerializer.Serialize(status, ContractsJsonContext.Default.StatusMessage), retain: true);

    /// <summary>Publishes any payload with QoS 1 and checks the broker accepted it.</summary>
    public Task PublishRawAsync(string topic, string payload, bool retain = false) => PublishRawAsync(topic, System.Text.Encoding.UTF8.GetBytes(payload), retain);

    /// <summary>Publishes any bytes with QoS 1 and checks the broker accepted them.</summary>
    public async Task PublishRawAsync(string topic, byte[] payload, bool retain = false)
    {
        var code = await TryPublishRawAsync(topic, payload, retain);

        // Reason codes below 0x80 are successes (0x10 "no matching subscribers" included).
        Assert.True((int)code < 0x80, $"broker refused the publish on {topic}: {code}");
    }

    /// <summary>Publishes any bytes with QoS 1 and returns the broker's answer (a refusal is not a test failure here).</summary>
    public async Task<MqttClientPublishReasonCode> TryPublishRawAsync(string topic, byte[] payload, bool retain = false)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        var result = await _client.PublishAsync(message, guard.Token);
        return result.ReasonCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _client.TryDisconnectAsync();
        _client.Dispose();
    }
}
