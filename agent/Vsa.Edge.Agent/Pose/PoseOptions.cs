using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.Pose;

/// <summary>
/// When and how the MoveNet pass runs for the person-down rule. The pass costs a model run per person crop, so it runs
/// only on person tracks that could be lying (wide box, or a box that just got much shorter), at most once per
/// <see cref="MinInterval"/> per track and <see cref="MaxCropsPerFrame"/> crops per frame. A record, so a copy for another
/// model folder is <c>options with { ModelDirectory = … }</c>.
/// </summary>
public sealed record PoseOptions
{
    /// <summary>Folder holding the MoveNet <c>manifest.json</c> and ONNX file. Default <c>{cache}/models/movenet-lightning</c>.</summary>
    [Required]
    public string ModelDirectory { get; set; } = DefaultModelDirectory;

    /// <summary>Intra-op threads of the pose session; 1 keeps it from competing with the detector's threads. Default 1.</summary>
    [Range(0, 64)]
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Width over height (pixels) from which a person box is a candidate: a standing person is about 0.4. Default 0.75.</summary>
    [Range(0.1, 10.0)]
    public double CandidateAspect { get; set; } = 0.75;

    /// <summary>Shrink of the box height, against the tallest box of the last <see cref="DropWindow"/>, that makes a candidate. Default 0.2.</summary>
    [Range(0.05, 0.9)]
    public double DropFraction { get; set; } = 0.2;

    /// <summary>How far back the tallest box is remembered for <see cref="DropFraction"/>. Default 3 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.2", "00:00:30")]
    public TimeSpan DropWindow { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Shortest time between two pose runs on the same track. Default 0.5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long a track's last evidence is still handed to the rules while its box stays where it was measured (IoU ≥ 0.5):
    /// it must exceed <see cref="MinInterval"/> so a lying person reads as lying on every frame between runs. Default 1.5 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan EvidenceLifetime { get; set; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Most crops run per frame (the least recently measured candidates first). Default 2.</summary>
    [Range(1, 64)]
    public int MaxCropsPerFrame { get; set; } = 2;

    /// <summary>Padding around the person box on each side of the square crop, as a fraction of its longer side. Default 0.15.</summary>
    [Range(0.0, 1.0)]
    public double CropPadding { get; set; } = 0.15;

    /// <summary>Keypoints scoring less are ignored by the lying score. Default 0.3.</summary>
    [Range(0.0, 1.0)]
    public float MinKeypointScore { get; set; } = 0.3f;

    /// <summary>The default model folder.</summary>
    public static string DefaultModelDirectory => Path.Combine(AgentPaths.CacheRoot, "models", "movenet-lightning");
}
