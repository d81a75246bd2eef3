using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Evaluation;

/// <summary>
/// The operational evaluation décret 2023-828 art. 4 asks for (and loi 2023-380 art. 10 VI: measure errors seen in
/// operation): for a period, how many alerts were raised, confirmed and dismissed, the precision that follows, and how long
/// operators took to decide.
/// </summary>
/// <param name="From">Start of the period (inclusive), on the fleet clock.</param>
/// <param name="To">End of the period (exclusive), on the fleet clock.</param>
/// <param name="PeriodBasis">What places an alert in the period: <c>received_at</c>, when the fleet first received it.</param>
/// <param name="DecisionTimeBasis">
/// What the time to decision is measured from: <c>received_at</c>. Both ends are on the fleet's clock, so a device's clock
/// error does not enter the figure, and it is the time the operator had the alert in front of them.
/// </param>
/// <param name="Total">All alerts of the period.</param>
/// <param name="ByEventType">One row per event type that had alerts, in the décret's order.</param>
/// <param name="ByCamera">One row per camera (device and camera id) that had alerts.</param>
/// <param name="ByCameraAndEventType">One row per camera and event type.</param>
public sealed record EvaluationReport(
    DateTimeOffset From,
    DateTimeOffset To,
    string PeriodBasis,
    string DecisionTimeBasis,
    EvaluationRow Total,
    IReadOnlyList<EvaluationRow> ByEventType,
    IReadOnlyList<EvaluationRow> ByCamera,
    IReadOnlyList<EvaluationRow> ByCameraAndEventType)
{
    /// <summary>Value of <see cref="PeriodBasis"/> and <see cref="DecisionTimeBasis"/>.</summary>
    public const string ReceivedAtBasis = "received_at";
}

/// <summary>Counts for one group of alerts.</summary>
/// <param name="EventType">The event type, or null when the row covers all of them.</param>
/// <param name="DeviceId">The device, or null when the row covers every camera.</param>
/// <param name="CameraId">The camera within the device, or null when the row covers every camera.</param>
/// <param name="Raised">Alerts raised.</param>
/// <param name="Confirmed">Alerts an operator confirmed.</param>
/// <param name="Dismissed">Alerts an operator dismissed.</param>
/// <param name="Pending">Alerts still awaiting a decision.</param>
/// <param name="Precision">Confirmed / (confirmed + dismissed); null while none is decided (it would not be a number).</param>
/// <param name="MedianSecondsToDecision">Median of (decided at − received at) over the decided alerts, in seconds; null when none.</param>
public sealed record EvaluationRow(
    EventType? EventType,
    string? DeviceId,
    string? CameraId,
    int Raised,
    int Confirmed,
    int Dismissed,
    int Pending,
    double? Precision,
    double? MedianSecondsToDecision);

/// <summary>What the evaluation needs of one alert.</summary>
/// <param name="EventType">Its event type.</param>
/// <param name="DeviceId">Its device.</param>
/// <param name="CameraId">Its camera.</param>
/// <param name="ReceivedAt">When the fleet first received it.</param>
/// <param name="Confirmed">True if confirmed, false if dismissed, null while pending.</param>
/// <param name="DecidedAt">When it was decided, if it was.</param>
public readonly record struct EvaluatedAlert(EventType EventType, string DeviceId, string CameraId, DateTimeOffset ReceivedAt, bool? Confirmed, DateTimeOffset? DecidedAt);

/// <summary>Builds an <see cref="EvaluationReport"/> from alerts (pure: the store reads, this counts).</summary>
public static class EvaluationCalculator
{
    /// <summary>Groups and counts <paramref name="alerts"/>.</summary>
    public static EvaluationReport Build(DateTimeOffset from, DateTimeOffset to, IEnumerable<EvaluatedAlert> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var all = alerts as IReadOnlyCollection<EvaluatedAlert> ?? [.. alerts];
        var byEvent = all.GroupBy(a => a.EventType).OrderBy(g => g.Key)
            .Select(g => Row(g.Key, null, null, g)).ToList();
        var byCamera = all.GroupBy(a => (a.DeviceId, a.CameraId))
            .OrderBy(g => g.Key.DeviceId, StringComparer.Ordinal).ThenBy(g => g.Key.CameraId, StringComparer.Ordinal)
            .Select(g => Row(null, g.Key.DeviceId, g.Key.CameraId, g)).ToList();
        var byBoth = all.GroupBy(a => (a.DeviceId, a.CameraId, a.EventType))
            .OrderBy(g => g.Key.DeviceId, StringComparer.Ordinal).ThenBy(g => g.Key.CameraId, StringComparer.Ordinal).ThenBy(g => g.Key.EventType)
            .Select(g => Row(g.Key.EventType, g.Key.DeviceId, g.Key.CameraId, g)).ToList();
        return new EvaluationReport(
            from, to, EvaluationReport.ReceivedAtBasis, EvaluationReport.ReceivedAtBasis, Row(null, null, null, all), byEvent, byCamera, byBoth);
    }

    /// <summary>The median of <paramref name="values"/> (mean of the two middle ones for an even count); null when empty.</summary>
    public static double? Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static EvaluationRow Row(EventType? eventType, string? deviceId, string? cameraId, IEnumerable<EvaluatedAlert> alerts)
    {
        int raised = 0, confirmed = 0, dismissed = 0;
        var delays = new List<double>();
        foreach (var alert in alerts)
        {
            raised++;
            if (alert.Confirmed is not { } isConfirmed)
            {
                continue;
            }

            if (isConfirmed)
            {
                confirmed++;
            }
            else
            {
                dismissed++;
            }

            if (alert.DecidedAt is { } decidedAt)
            {
                // A decision cannot precede receipt on one clock; clamp in case the clock was stepped back in between.
                delays.Add(Math.Max(0, (decidedAt - alert.ReceivedAt).TotalSeconds));
            }
        }

        var decided = confirmed + dismissed;
        return new EvaluationRow(
            eventType, deviceId, cameraId, raised, confirmed, dismissed, raised - decided,
            decided == 0 ? null : (double)confirmed / decided,
            Median(delays));
    }
}
