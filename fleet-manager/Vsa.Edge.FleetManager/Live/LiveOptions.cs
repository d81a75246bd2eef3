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
}
