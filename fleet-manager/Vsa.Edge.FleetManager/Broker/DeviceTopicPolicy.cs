using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>
/// What an enrolled device may do on the broker, and nothing more: publish its own alerts, health, status, events and
/// reported configuration; subscribe to its own fleet→device topics (<see cref="Topics.FleetToDeviceLeaves"/>: the desired
/// configuration). Only the fleet's service identity publishes on a fleet→device topic. The same rules are written as
/// Mosquitto pattern ACLs by <see cref="MosquittoConfiguration"/>. Clients of the embedded broker's plain test-bench endpoint
/// only view (<see cref="BenchMayView"/>).
/// </summary>
public static class DeviceTopicPolicy
{
    /// <summary>The topic levels under <c>vsa/v1/{deviceId}/</c> a device may publish to (device→fleet).</summary>
    public static IReadOnlyList<string> PublishLeaves { get; } = ["alerts", "health", "status", "events", "config/reported", "certificate/request", "config/proposal", "installation/report", "model/reported"];

    /// <summary>The topic levels under <c>vsa/v1/{deviceId}/</c> a device may subscribe to: the fleet→device ones.</summary>
    public static IReadOnlyList<string> SubscribeLeaves => Topics.FleetToDeviceLeaves;

    /// <summary>
    /// The topic levels a client of the plain test-bench endpoint may subscribe to, for one device or every device (<c>+</c>):
    /// what a bench viewer shows. Neither the reported nor the desired configuration (camera sources live there).
    /// </summary>
    public static IReadOnlyList<string> BenchViewLeaves { get; } = ["alerts", "health", "status", "events"];

    /// <summary>Whether <paramref name="deviceId"/> may publish to <paramref name="topic"/>.</summary>
    public static bool MayPublish(string deviceId, string topic) => Matches(deviceId, topic, PublishLeaves);

    /// <summary>Whether <paramref name="deviceId"/> may subscribe to <paramref name="filter"/> (exact topics only: no wildcard).</summary>
    public static bool MaySubscribe(string deviceId, string filter) => Matches(deviceId, filter, SubscribeLeaves);

    /// <summary>
    /// Whether a plain test-bench client may subscribe to <paramref name="filter"/>: <c>vsa/v1/{deviceId or +}/{leaf}</c> with a
    /// leaf of <see cref="BenchViewLeaves"/>; no <c>#</c>, no shared subscription, nothing else.
    /// </summary>
    public static bool BenchMayView(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!filter.StartsWith(Topics.Root + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = filter.AsSpan(Topics.Root.Length + 1);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var device = rest[..slash];
        var deviceOk = device is "+" || device.IndexOfAny("+#") < 0;
        return deviceOk && BenchViewLeaves.Contains(rest[(slash + 1)..].ToString(), StringComparer.Ordinal);
    }

    private static bool Matches(string deviceId, string topic, IReadOnlyList<string> leaves)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(topic);
        var prefix = $"{Topics.Root}/{deviceId}/";
        return topic.StartsWith(prefix, StringComparison.Ordinal) && leaves.Contains(topic[prefix.Length..], StringComparer.Ordinal);
    }
}
