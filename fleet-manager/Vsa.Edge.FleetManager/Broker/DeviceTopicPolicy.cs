using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// What an enrolled device may do on the broker, and nothing more: publish its own alerts, health, status, events and
/// reported configuration; subscribe to its own desired configuration. The same rules are written as Mosquitto pattern ACLs
/// by <see cref="MosquittoConfiguration"/>.
/// </summary>
public static class DeviceTopicPolicy
{
    /// <summary>The topic levels under <c>vsa/v1/{deviceId}/</c> a device may publish to.</summary>
    public static IReadOnlyList<string> PublishLeaves { get; } = ["alerts", "health", "status", "events", "config/reported"];

    /// <summary>The topic levels under <c>vsa/v1/{deviceId}/</c> a device may subscribe to.</summary>
    public static IReadOnlyList<string> SubscribeLeaves { get; } = ["config/desired"];

    /// <summary>Whether <paramref name="deviceId"/> may publish to <paramref name="topic"/>.</summary>
    public static bool MayPublish(string deviceId, string topic) => Matches(deviceId, topic, PublishLeaves);

    /// <summary>Whether <paramref name="deviceId"/> may subscribe to <paramref name="filter"/> (exact topics only: no wildcard).</summary>
    public static bool MaySubscribe(string deviceId, string filter) => Matches(deviceId, filter, SubscribeLeaves);

    private static bool Matches(string deviceId, string topic, IReadOnlyList<string> leaves)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(topic);
        var prefix = $"{Topics.Root}/{deviceId}/";
        return topic.StartsWith(prefix, StringComparison.Ordinal) && leaves.Contains(topic[prefix.Length..], StringComparer.Ordinal);
    }
}
