using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.StaticRegions;

/// <summary>
/// Settings of the dual-background static foreground detector (abandoned objects of classes the detector does not
/// know). Durations are measured with frame timestamps, so they hold at any analysis rate.
/// </summary>
public sealed class StaticRegionOptions
{
    /// <summary>Width of the grey analysis image (the frame is area-averaged down to it, aspect kept). Default 192 px.</summary>
    [Range(32, 1920)]
    public int AnalysisWidth { get; set; } = 192;

    /// <summary>
    /// Time constant of the short-term background: how fast something that stopped stops being foreground for it.
    /// Default 1 s; the delay before a dropped object is seen static is about this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:01:00")]
    public TimeSpan ShortTerm { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Time constant of the long-term background (slow lighting drift). Pixels of a held static region are not learnt
    /// by it until <see cref="MaxStatic"/> has passed. Default 60 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LongTerm { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Grey-level difference (0–255) from a background above which a pixel is foreground for it. Default 25.</summary>
    [Range(1, 255)]
    public int Threshold { get; set; } = 25;

    /// <summary>Smallest region, as a fraction of the frame area. Default 0.001 (≈ 28 px of a 192 × 144 image).</summary>
    [Range(0.00001, 1.0)]
    public double MinArea { get; set; } = 0.001;

    /// <summary>
    /// Largest region, as a fraction of the frame area: beyond it, a lighting change or a camera move rather than an
    /// object (the abandoned-object rule ignores regions above 0.08 too). Default 0.08.
    /// </summary>
    [Range(0.00001, 1.0)]
    public double MaxArea { get; set; } = 0.08;

    /// <summary>How long a region must have been static before it is reported. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ConfirmAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A region unseen for longer (and for more than 1.5 frame intervals) is forgotten. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxGap { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After this long static, a region is let go into the long-term background (it fades out within about
    /// <see cref="LongTerm"/>): the rule has alerted by then, and the scene has changed for good. Default 15 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan MaxStatic { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Share of a region's area a person's box must cover for the region not to be reported. Default 0.25.</summary>
    [Range(0.0, 1.0)]
    public double PersonOverlap { get; set; } = 0.25;

    /// <summary>Most regions followed at once (the largest first). Default 32.</summary>
    [Range(1, 1024)]
    public int MaxRegions { get; set; } = 32;
}
