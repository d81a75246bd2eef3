using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// How long data is kept, section <c>Fleet:Retention</c> (CSI L252-5 and the prefect's authorisation set the limits: the
/// defaults are a starting point, to be set to what the authorisation says). The audit log is not purged here: it is the
/// evidence of the processing (AI Act arts. 12, 19, 26 ask for at least six months) and its chain must stay whole.
/// </summary>
public sealed class RetentionOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Retention";

    /// <summary>
    /// Days an alert is kept after its last change (last message or decision), with its messages. Default 180: long enough for
    /// the six-month evaluation of the experiment (confirmed/dismissed statistics), no longer.
    /// </summary>
    [Range(1, 3650)]
    public int AlertsDays { get; set; } = 180;

    /// <summary>Days a heartbeat is kept in the device health history. Default 30: enough to look into a device's last month.</summary>
    [Range(1, 3650)]
    public int HealthDays { get; set; } = 30;

    /// <summary>
    /// Days a refused message is kept in the ingestion's dead letters (<c>ingestion_dead_letters</c>, also bounded by row count:
    /// <c>Fleet:Ingestion:DeadLetterMaxRows</c>). Default 14: long enough to diagnose a device over a fortnight, no longer.
    /// </summary>
    [Range(1, 3650)]
    public int DeadLetterDays { get; set; } = 14;

    /// <summary>Time between two purges; the first runs at start. Default one hour.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}
