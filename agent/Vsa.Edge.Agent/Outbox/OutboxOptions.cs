using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.Outbox;

/// <summary>
/// Bounds and durability of the alert outbox (configuration section <c>Outbox</c>). The file itself lives in
/// <c>Agent:DataDirectory</c>. When a bound is exceeded the oldest alerts are dropped first, and every drop is counted.
/// </summary>
public sealed class OutboxOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Outbox";

    /// <summary>Most alerts kept waiting for the broker. Default 100 000 (about a day of a very busy camera).</summary>
    [Range(1, 10_000_000)]
    public int MaxAlerts { get; set; } = 100_000;

    /// <summary>Most payload bytes kept waiting for the broker. Default 100 MiB (an alert is under 1 KiB of JSON).</summary>
    [Range(typeof(long), "65536", "17179869184")]
    public long MaxBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Alerts older than this are dropped (counted as expired) instead of sent. Default 72 h: a weekend without network.
    /// Measured on the wall clock, so a device that boots with a wrong clock and is then corrected may expire alerts early.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(72);

    /// <summary>
    /// Full (default): every commit is fsynced, so an alert survives a power cut as well as a crash. Normal: fsync only at
    /// WAL checkpoints, which survives a crash or <c>kill -9</c> but may lose the last commits on power loss.
    /// </summary>
    public OutboxDurability Durability { get; set; } = OutboxDurability.Full;

    /// <summary>Alerts the broker refused for good (kept aside for inspection, oldest dropped). Default 1000.</summary>
    [Range(0, 1_000_000)]
    public int MaxRejected { get; set; } = 1000;
}

/// <summary>SQLite <c>synchronous</c> setting of the outbox (its journal is always WAL).</summary>
public enum OutboxDurability
{
    /// <summary><c>PRAGMA synchronous=NORMAL</c>: crash-safe, not power-loss-safe for the last commits.</summary>
    Normal,

    /// <summary><c>PRAGMA synchronous=FULL</c>: every commit reaches the disk before it returns.</summary>
    Full,
}
