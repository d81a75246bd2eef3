using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>The kinds of message the fleet manager ingests.</summary>
public enum MessageKind
{
    /// <summary><c>vsa/v1/{deviceId}/alerts</c>.</summary>
    Alert,

    /// <summary><c>vsa/v1/{deviceId}/health</c>.</summary>
    Health,

    /// <summary><c>vsa/v1/{deviceId}/status</c>.</summary>
    Status,

    /// <summary><c>vsa/v1/{deviceId}/config/reported</c>.</summary>
    ConfigReported,

    /// <summary>A device event (camera offline/online, tamper, maintenance): kept in memory, not stored.</summary>
    Event,

    /// <summary><c>vsa/v1/{deviceId}/config/proposal</c>: a camera document an installer drew on the pole (Proposals).</summary>
    ConfigProposal,
    /// <summary><c>vsa/v1/{deviceId}/model/reported</c>: the models a device runs and its update progress.</summary>
    ModelReported,
}

/// <summary>A topic split into the device it belongs to and the kind of message it carries.</summary>
/// <param name="DeviceId">The device segment of the topic.</param>
/// <param name="Kind">The message kind.</param>
public readonly record struct TopicRoute(string DeviceId, MessageKind Kind)
{
    /// <summary>Parses one of the subscribed topics; false for anything else (including deeper or wildcard topics).</summary>
    public static bool TryParse(string topic, out TopicRoute route)
    {
        route = default;
        var deviceId = Topics.DeviceIdOf(topic);
        if (deviceId is null)
        {
            return false;
        }

        MessageKind? kind = topic.AsSpan(Topics.Root.Length + 1 + deviceId.Length) switch
        {
            "/alerts" => MessageKind.Alert,
            "/health" => MessageKind.Health,
            "/status" => MessageKind.Status,
            "/config/reported" => MessageKind.ConfigReported,
            "/events" => MessageKind.Event,
            "/config/proposal" => MessageKind.ConfigProposal,
            "/model/reported" => MessageKind.ModelReported,
            _ => null,
        };
        if (kind is null)
        {
            return false;
        }

        route = new TopicRoute(deviceId, kind.Value);
        return true;
    }
}
