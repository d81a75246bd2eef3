using MQTTnet;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Mqtt;

/// <summary>Builds the periodic heartbeat.</summary>
public interface IHealthSource
{
    /// <summary>The heartbeat to publish at <paramref name="now"/>.</summary>
    HealthMessage Build(DateTimeOffset now);
}

/// <summary>What a PUBACK reason code means for the alert it acknowledges.</summary>
public enum PublishOutcome
{
    /// <summary>The broker took it (success, or no subscriber matched): remove it from the outbox.</summary>
    Delivered,

    /// <summary>The broker will never take this payload: set it aside so it does not block the others.</summary>
    RefusedForGood,

    /// <summary>Refused now (quota, broker error, authorisation): keep it and retry after a backoff.</summary>
    RetryLater,
}

/// <summary>PUBACK classification and the outbox part of heartbeats.</summary>
public static class PublishOutcomes
{
    /// <summary>
    /// Success and "no matching subscribers" (the broker accepted it; no one listens yet) are delivered. Only
    /// "payload format invalid" concerns this one message; a refusal that concerns the topic or the client
    /// (not authorised, topic invalid, quota) would refuse every alert alike, so they wait, bounded by the outbox's limits.
    /// </summary>
    public static PublishOutcome Classify(MqttClientPublishReasonCode code) => code switch
    {
        MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers => PublishOutcome.Delivered,
        MqttClientPublishReasonCode.PayloadFormatInvalid => PublishOutcome.RefusedForGood,
        _ => PublishOutcome.RetryLater,
    };

    /// <summary>The outbox figures of a heartbeat.</summary>
    public static OutboxHealth OutboxHealthOf(IAlertOutbox outbox, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(outbox);
        var c = outbox.Counts;
        var oldest = outbox.OldestStoredAt;
        return new OutboxHealth(
            c.Depth,
            c.Bytes,
            oldest is { } o ? Math.Round(Math.Max(0, (now - o).TotalSeconds), 1) : null,
            c.Delivered,
            c.Dropped,
            c.DroppedFull,
            c.DroppedExpired,
            c.Rejected,
            c.StoreFailures);
    }
}
