using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>MQTT log messages (event ids 4000–4099).</summary>
internal static partial class MqttLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Connected to MQTT broker {Host}:{Port} as {ClientId} (session present: {SessionPresent}); {Waiting} alerts waiting in the outbox")]
    public static partial void Connected(ILogger logger, string host, int port, string clientId, bool sessionPresent, int waiting);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Cannot reach MQTT broker {Host}:{Port} (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string host, int port, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Disconnected from MQTT broker: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Publishing on {Topic} failed: {Reason}")]
    public static partial void PublishFailed(ILogger logger, string topic, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Stopping with {Count} alerts not delivered yet; they stay in the outbox {Location} for the next start")]
    public static partial void UndeliveredAtStop(ILogger logger, int count, string location);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Published offline status and disconnected cleanly")]
    public static partial void CleanStop(ILogger logger);
}
