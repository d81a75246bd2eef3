using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Outbox;

/// <summary>
/// Where the pipelines put their alerts, without waiting for the broker: the durable outbox (<see cref="IAlertOutbox"/>),
/// which the MQTT alert drainer empties, possibly behind a filter (maintenance mode).
/// </summary>
public interface IAlertSink
{
    /// <summary>Stores an alert; it is published (QoS 1) as soon as the broker is reachable.</summary>
    void Enqueue(AlertMessage alert);

    /// <summary>Stores the alerts of one frame together (one transaction); they are published in this order.</summary>
    void Enqueue(IReadOnlyList<AlertMessage> alerts);
}
