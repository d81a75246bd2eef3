using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Alerts;

/// <summary>The latest known state of one alert, as the API and the live page see it.</summary>
/// <param name="AlertId">The alert (shared by its start, update and end messages).</param>
/// <param name="DeviceId">The device that raised it.</param>
/// <param name="CameraId">The camera, unique within the device.</param>
/// <param name="EventType">One of the eight authorised events.</param>
/// <param name="State">State reported by the message with the highest sequence received.</param>
/// <param name="Sequence">Sequence of that message.</param>
/// <param name="StartedAt">When the condition started to hold.</param>
/// <param name="ObservedAt">Frame time of the latest observation.</param>
/// <param name="EndedAt">When the condition stopped holding (end state only).</param>
/// <param name="ZoneId">Zone or line concerned, if any.</param>
/// <param name="Confidence">Confidence in [0, 1].</param>
/// <param name="Measurement">The measured quantity, if any.</param>
/// <param name="Objects">Objects involved, boxes normalised to the frame.</param>
/// <param name="Model">Model that produced the detections.</param>
/// <param name="ReceivedAt">When the fleet manager first received a message of this alert (fleet clock).</param>
/// <param name="UpdatedAt">When the fleet manager last changed this row (fleet clock).</param>
/// <param name="Decision">The operator's decision, null while the alert awaits one.</param>
/// <param name="EndReason">
/// Why it ended (end state only): <c>cleared</c> (the condition stopped holding) or <c>interrupted</c> (its end was not
/// observed: the agent died with it open, or the device stayed offline past <c>Fleet:InterruptedAlerts:Grace</c>).
/// </param>
public sealed record AlertView(
    string AlertId,
    string DeviceId,
    string CameraId,
    EventType EventType,
    AlertState State,
    int Sequence,
    DateTimeOffset StartedAt,
    DateTimeOffset ObservedAt,
    DateTimeOffset? EndedAt,
    string? ZoneId,
    double Confidence,
    Measurement? Measurement,
    IReadOnlyList<AlertObject> Objects,
    ModelRef Model,
    DateTimeOffset ReceivedAt,
    DateTimeOffset UpdatedAt,
    AlertDecisionView? Decision = null,
    AlertEndReason? EndReason = null);

/// <summary>Filter of <c>GET /api/alerts</c>.</summary>
/// <param name="Limit">At most this many alerts.</param>
/// <param name="Since">Only alerts that started at or after this instant.</param>
/// <param name="DeviceId">Only this device.</param>
/// <param name="CameraId">Only this camera.</param>
/// <param name="Decision">Only alerts awaiting a decision, only decided ones, or both.</param>
/// <param name="Order">Newest or oldest start first.</param>
public sealed record AlertQuery(
    int Limit,
    DateTimeOffset? Since,
    string? DeviceId,
    string? CameraId,
    AlertDecisionFilter Decision = AlertDecisionFilter.Any,
    AlertOrder Order = AlertOrder.NewestFirst);

/// <summary>Which alerts <c>GET /api/alerts?decision=</c> returns.</summary>
public enum AlertDecisionFilter
{
    /// <summary>Decided or not (<c>any</c>, the default).</summary>
    Any,

    /// <summary>Only alerts awaiting a decision (<c>pending</c>).</summary>
    Pending,

    /// <summary>Only confirmed or dismissed alerts (<c>decided</c>).</summary>
    Decided,
}

/// <summary>Order of <c>GET /api/alerts?order=</c>, by start time then alert id.</summary>
public enum AlertOrder
{
    /// <summary>Newest start first (<c>newest</c>, the default).</summary>
    NewestFirst,

    /// <summary>Oldest start first (<c>oldest</c>): the alerts waiting longest come first, and a truncated page loses the newest.</summary>
    OldestFirst,
}

/// <summary>One page of <see cref="AlertStore.QueryPageAsync"/>.</summary>
/// <param name="Alerts">At most <see cref="AlertQuery.Limit"/> alerts, in the order asked.</param>
/// <param name="Truncated">More alerts match the filter than the page holds.</param>
public sealed record AlertPage(IReadOnlyList<AlertView> Alerts, bool Truncated);

/// <summary>What storing one alert message did.</summary>
public enum AlertApplyOutcome
{
    /// <summary>The alert row was created or moved to a higher sequence.</summary>
    Applied,

    /// <summary>The message id was seen before (QoS 1 redelivery or replay); nothing changed.</summary>
    Duplicate,

    /// <summary>Recorded, but the alert already holds this or a higher sequence (late or reordered message).</summary>
    Stale,

    /// <summary>The alert id belongs to another device; refused (a device may only speak for itself).</summary>
    ForeignAlert,

    /// <summary>
    /// Recorded in the messages, but the alert is not moved: the message gives the alert another event type, camera, zone or
    /// start time, which never change once the alert exists.
    /// </summary>
    IdentityChanged,
}

/// <summary>Result of storing one alert message.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Alert">The alert row after the change, when <see cref="AlertApplyOutcome.Applied"/>.</param>
public sealed record AlertApplyResult(AlertApplyOutcome Outcome, AlertView? Alert);
