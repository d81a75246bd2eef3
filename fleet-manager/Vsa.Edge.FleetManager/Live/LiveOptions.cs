using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.FleetManager.Live;

/// <summary>Live page settings, section <c>Fleet:Live</c>.</summary>
public sealed class LiveOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Live";

    /// <summary>
    /// Events queued per connected browser. Default 256; when a browser reads slower than alerts arrive, its oldest queued
    /// events are dropped and counted rather than slowing the ingestion down.
    /// </summary>
    [Range(1, 100000)]
    public int SubscriberQueueCapacity { get; set; } = 256;

    /// <summary>
    /// How the events one instance committed reach the browsers of the other instances of the same fleet (several instances
    /// behind one shared subscription, one PostgreSQL database). Default <see cref="LiveFanOut.Auto"/>: PostgreSQL
    /// <c>LISTEN/NOTIFY</c> on PostgreSQL, nothing on SQLite (one instance only).
    /// </summary>
    public LiveFanOut FanOut { get; set; } = LiveFanOut.Auto;

    /// <summary>
    /// How often an instance tells the others on the fan-out channel that it is there. Default 10 s; an instance sends its events
    /// only while it heard another within three intervals (PostgresLiveFanOut.Presence.cs), so a fleet of one instance sends
    /// none. A new instance says hello as soon as it listens and is answered at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan FanOutPresenceInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The PostgreSQL notification channel of the fan-out. Default <c>vsa_live</c>; instances of one fleet share it.</summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$")]
    public string FanOutChannel { get; set; } = "vsa_live";
}

/// <summary>How live events reach the other instances.</summary>
public enum LiveFanOut
{
    /// <summary><see cref="PostgresNotify"/> on PostgreSQL, <see cref="None"/> on SQLite.</summary>
    Auto,

    /// <summary>Each instance shows only what it committed itself (one instance).</summary>
    None,

    /// <summary>After commit, every instance sends its events with <c>pg_notify</c>; every instance <c>LISTEN</c>s.</summary>
    PostgresNotify,
}
