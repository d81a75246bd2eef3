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
    /// Transactions the writer runs at once, each on its own connection. Default 0, automatic: 2 on PostgreSQL, 1 on SQLite
    /// (SQLite lets one transaction write at a time). Messages are shared out by device, so each device's messages are stored
    /// by one writer in the order they arrived; every PUBACK still goes out in arrival order, after the commit of its message.
    /// On PostgreSQL a second writer fills the time one spends waiting for the server (statement, commit): the load
    /// generator's figures are in docs/operations.md. At most 8.
    /// </summary>
    [Range(0, 8)]
    public int Writers { get; set; }

    /// <summary>
    /// Messages received but not yet stored. Default 4096; when full, the MQTT client stops reading, so the broker holds the
    /// rest (back-pressure) instead of the fleet manager's memory.
    /// </summary>
    [Range(1, 1000000)]
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>
    /// How far ahead of the receipt time a message's timestamps may be. Default five minutes: device clocks are kept by NTP, so
    /// more is a broken clock or a forgery (a status "online" dated 9999 would hold forever, an alert dated 9999 would top
    /// every list).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How far behind the receipt time the timestamps of an alert, heartbeat or device event may be. Default 30 days: the
    /// agent's outbox keeps an alert at most 72 hours by default, so anything much older is a device clock that was never set
    /// (1970) or a replay.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan MaxMessageAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How far behind the receipt time a status or configuration report may be. Default 3650 days: both are retained and
    /// redelivered on every reconnection, and legitimately as old as the device's last connection or last configuration
    /// change; the bound only refuses clocks that were never set.
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "36500.00:00:00")]
    public TimeSpan MaxRetainedAge { get; set; } = TimeSpan.FromDays(3650);

    /// <summary>
    /// A refused message is logged at most once per device, reason and interval (the next line says how many were not
    /// logged); every refusal is still counted and dead-lettered. Default one minute: a device flooding the fleet with
    /// garbage costs one warning a minute, not one per message.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RejectLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most refused messages kept in the dead-letter table (<c>ingestion_dead_letters</c>); the oldest go first. Default 10000:
    /// enough to diagnose a misbehaving device, bounded against one that floods (at most 10000 × ~5.5 KiB with the default
    /// <see cref="DeadLetterPayloadBytes"/>, about 55 MB).
    /// </summary>
    [Range(100, 1000000)]
    public int DeadLetterMaxRows { get; set; } = 10000;

    /// <summary>Bytes of a refused payload kept in the dead-letter table (base64), the first ones. Default 4096.</summary>
    [Range(0, 65536)]
    public int DeadLetterPayloadBytes { get; set; } = 4096;

    /// <summary>
    /// Least receipt time between two heartbeats of one device kept in the history (<c>device_health</c>). Default 2 s: the
    /// agent sends one every 10 s by default (<c>Vsa:Mqtt:HeartbeatInterval</c>, at least 1 s), so only a misconfigured or
    /// hostile device is faster; its faster heartbeats still update the device's state (last seen, online) but are not kept
    /// (counted as <c>heartbeatsCoalesced</c>). Zero keeps every heartbeat. The rate bound and the decoding bounds
    /// (<see cref="MessageBounds"/>) together cap what one device adds to the history at one row per interval (about 35 kB at
    /// most with ASCII texts), instead of whatever its link carries; a real heartbeat (four cameras) is about 1 kB every 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MinHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A device's refusals of desired configurations (<c>config.refuse</c>) are audited at most
    /// <see cref="ConfigRefusalAuditEntries"/> times per device per interval; the refusals of the rest of the interval are
    /// counted and the count is written into the device's next entry (or a summary entry when its next report arrives after
    /// the interval). Default ten minutes: a device that floods refusals costs a few audit rows per ten minutes, not one per
    /// message; the audit log is never purged.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ConfigRefusalAuditInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// <c>config.refuse</c> entries written per device and <see cref="ConfigRefusalAuditInterval"/> before its further refusals
    /// are only counted. Default 4: an operator who pushes two or three versions that a device refuses sees each of them.
    /// </summary>
    [Range(1, 100)]
    public int ConfigRefusalAuditEntries { get; set; } = 4;

    /// <summary>The timestamps accepted in a message of <paramref name="kind"/> received at <paramref name="receivedAt"/>.</summary>
    public TimeWindow WindowFor(MessageKind kind, DateTimeOffset receivedAt) =>
        TimeWindow.Around(receivedAt, kind is MessageKind.Status or MessageKind.ConfigReported or MessageKind.ConfigProposal or MessageKind.ModelReported ? MaxRetainedAge : MaxMessageAge, MaxClockSkew);
}
