using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>Ingestion settings, section <c>Fleet:Ingestion</c>.</summary>
public sealed class IngestionOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Ingestion";

    /// <summary>Largest payload accepted, in bytes. Default 65536: an alert is metadata only, a few kilobytes at most.</summary>
    [Range(1024, 1048576)]
    public int MaxPayloadBytes { get; set; } = 65536;

    /// <summary>
    /// Most messages stored in one transaction. Default 256: one commit (one fsync) for a whole burst, while a batch stays
    /// small enough to commit in milliseconds.
    /// </summary>
    [Range(1, 10000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>
    /// How long the writer waits for more messages once it holds one, before committing a batch that is not full (on the
    /// injected clock). Default zero, "group commit": the writer commits whatever is queued as soon as the previous commit is
    /// done, so under load each commit takes everything that arrived during the one before, and a lone alert waits for
    /// nothing. A few milliseconds (<c>00:00:00.005</c>) gather more messages per commit when they trickle in.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan BatchWindow { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Messages received but not yet stored. Default 4096; when full, the MQTT client stops reading, so the broker holds the
    /// rest (back-pressure) instead of the fleet manager's memory.
    /// </summary>
    [Range(1, 1000000)]
    public int QueueCapacity { get; set; } = 4096;
}
