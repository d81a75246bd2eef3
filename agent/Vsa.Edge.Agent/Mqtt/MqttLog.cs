using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>MQTT log messages (event ids 4000–4099).</summary>
internal static partial class MqttLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Connected to MQTT broker {Host}:{Port} as {ClientId}")]
    public static partial void Connected(ILogger logger, string host, int port, string clientId);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Cannot reach MQTT broker {Host}:{Port} (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string host, int port, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Disconnected from MQTT broker: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Alert queue full ({Capacity}): dropped alert {AlertId} ({EventType} {State})")]
    public static partial void AlertDropped(ILogger logger, int capacity, string alertId, string eventType, string state);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Publishing on {Topic} failed: {Reason}")]
    public static partial void PublishFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Stopping with {Count} alerts not delivered (in-memory queue)")]
    public static partial void UndeliveredAtStop(ILogger logger, int count);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Published offline status and disconnected cleanly")]
    public static partial void CleanStop(ILogger logger);
}
