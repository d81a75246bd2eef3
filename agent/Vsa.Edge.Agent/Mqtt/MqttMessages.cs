using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>The MQTT packets the agent sends: connection (persistent session, last will), alerts, status, heartbeats.</summary>
internal static class MqttMessages
{
    /// <summary>
    /// MQTT 5, clean start off with a session expiry (the broker keeps the session across reconnects), keep-alive, and the
    /// retained offline status as last will, stamped with the connection time.
    /// </summary>
    public static MqttClientOptions ConnectOptions(MqttOptions options, string clientId, string deviceId, DateTimeOffset connectedAt, DeviceCredentials? credentials = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(options.KeepAlive)
            .WithTimeout(options.ConnectTimeout)
            .WithWillTopic(Topics.Status(deviceId))
            .WithWillPayload(JsonSerializer.SerializeToUtf8Bytes(StatusOf(deviceId, DeviceState.Offline, connectedAt), ContractsJsonContext.Default.StatusMessage))
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        credentials?.Apply(builder);
        return builder.Build();
    }

    /// <summary>A stored alert, QoS 1, with exactly the bytes the outbox holds.</summary>
    public static MqttApplicationMessage Alert(string deviceId, OutboxEntry entry) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Alerts(deviceId))
            .WithPayload(entry.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .Build();

    /// <summary>The retained status, QoS 1.</summary>
    public static MqttApplicationMessage Status(string deviceId, DeviceState state, DateTimeOffset at) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Status(deviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(StatusOf(deviceId, state, at), ContractsJsonContext.Default.StatusMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .WithContentType("application/json")
            .Build();

    /// <summary>A heartbeat, QoS 0: a lost one is superseded by the next.</summary>
    public static MqttApplicationMessage Health(string deviceId, HealthMessage health) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Health(deviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(health, ContractsJsonContext.Default.HealthMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .WithContentType("application/json")
            .Build();

    /// <summary>A device event, QoS 1, not retained.</summary>
    public static MqttApplicationMessage Event(string deviceId, DeviceEvent e) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(Topics.Events(deviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(e, ContractsJsonContext.Default.DeviceEvent))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .Build();

    private static StatusMessage StatusOf(string deviceId, DeviceState state, DateTimeOffset at) =>
        new(StatusMessage.SchemaId, StatusMessage.CurrentVersion, deviceId, state, at);
}
