using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.Fire;

/// <summary>
/// Settings of the pixel fire detector used when the model has no fire class. The defaults were tuned on rendered
/// flames, lamps and blinking lights and on the demo clip (orange cones, a yellow sheet on the grass).
/// </summary>
public sealed class FireDetectorOptions
{
    /// <summary>Width of the analysis image (the frame is area-averaged down to it, aspect kept). Default 192 px.</summary>
    [Range(32, 1920)]
    public int AnalysisWidth { get; set; } = 192;

    /// <summary>Smallest red value (0–255) of a fire-coloured pixel. Default 150.</summary>
    [Range(0, 255)]
    public int MinRed { get; set; } = 150;

    /// <summary>Smallest saturation (R − B) / R of a fire-coloured pixel: warm whites and skin fall below it. Default 0.3.</summary>
    [Range(0.0, 1.0)]
    public double MinSaturation { get; set; } = 0.3;

    /// <summary>
    /// How much brighter (luma, 0–255) than the frame's mean a fire-coloured pixel must be: flames give light, while
    /// bricks, sand and dull orange paint only reflect it. Default 40.
    /// </summary>
    [Range(0, 255)]
    public int MinContrast { get; set; } = 40;

    /// <summary>Fewest fire-coloured pixels (in the analysis image) in a region; below, quantisation alone makes it flicker. Default 10.</summary>
    [Range(1, 100_000)]
    public int MinRegionPixels { get; set; } = 10;

    /// <summary>Frames a region must have been seen in before it is reported (single-frame specks never are). Default 4.</summary>
    [Range(1, 100)]
    public int MinSamples { get; set; } = 4;

    /// <summary>Time window of the growth and flicker measures. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "00:00:30")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A region unseen for longer (and for more than 1.5 frame intervals) is forgotten; it gets a new id if it comes back. Default 0.4 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan MaxGap { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// Fast relative variation (RMS of the frame-to-frame change of the region's brightness sum, over its mean) below
    /// which a region does not flicker at all; full flicker weight at three times this value. Sensor noise and
    /// compression on a steady lamp stay under it. Small regions get a higher floor, 0.4 / √area, because pixels
    /// flipping in and out along their edge alone change them by that much. Default 0.03.
    /// </summary>
    [Range(0.001, 1.0)]
    public double FlickerFloor { get; set; } = 0.03;

    /// <summary>Most regions followed at once (the largest first). Default 32.</summary>
    [Range(1, 1024)]
    public int MaxRegions { get; set; } = 32;
}
