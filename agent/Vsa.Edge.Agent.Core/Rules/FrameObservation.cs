using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Everything the rules see of one frame: the tracker's output and the optional evidence the host computes from
/// pixels (pose of person tracks, fire candidates, static foreground regions). A struct the host can fill per frame
/// without allocating; lists it passes are read during <see cref="RuleEngine.Evaluate(in FrameObservation, List{Vsa.Edge.Contracts.AlertMessage})"/> only.
/// </summary>
public readonly record struct FrameObservation
{
    /// <summary>Creates an observation of the tracks at a frame time.</summary>
    public FrameObservation(IReadOnlyList<Track> tracks, DateTimeOffset timestamp)
    {
        Tracks = tracks;
        Timestamp = timestamp;
    }

    /// <summary>The tracker's output for this frame, as is.</summary>
    public IReadOnlyList<Track> Tracks { get; init; }

    /// <summary>The frame's timestamp; every duration is measured with it.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Pose evidence for some person tracks (those the host ran the pose model on), or null.</summary>
    public IReadOnlyList<PoseEvidence>? Pose { get; init; }

    /// <summary>Fire candidate regions from the host's pixel detector, or null.</summary>
    public IReadOnlyList<FireCandidate>? FireCandidates { get; init; }

    /// <summary>Static foreground regions (see <see cref="IStaticRegionSource"/>), or null.</summary>
    public IReadOnlyList<StaticRegion>? StaticRegions { get; init; }

    /// <summary>
    /// Frame width over height in pixels (16/9 for 1920 × 1080), to compare box widths and heights on uncalibrated
    /// cameras; 0 when unknown (the rules then assume the last value given, or 16/9).
    /// </summary>
    public double FrameAspectRatio { get; init; }
}

/// <summary>
/// Pose evidence for one person track, filled by the host from a pose model (MoveNet) run on the track's crop; build
/// it with <see cref="PoseScoring.FromMoveNet"/>.
/// </summary>
/// <param name="TrackId">The person track it describes.</param>
/// <param name="LyingScore">0 upright … 1 lying: torso and legs both near horizontal.</param>
/// <param name="Confidence">Lowest keypoint score used; below 0.3 the rules ignore the evidence.</param>
public readonly record struct PoseEvidence(int TrackId, float LyingScore, float Confidence);

/// <summary>
/// A fire candidate region from the host's pixel detector (colour, motion and flicker analysis), tracked by region id
/// from frame to frame. The rule decides; the detector only describes.
/// </summary>
/// <param name="RegionId">Stable id of the region across frames.</param>
/// <param name="Box">The region's bounding box (frame-normalised).</param>
/// <param name="AreaGrowthRate">Relative growth of the region's area per second (0.1 = +10 %/s), smoothed by the detector.</param>
/// <param name="FlickerEnergy">0 … 1: share of the region's luminance variance in the 2–12 Hz band where flames flicker.</param>
/// <param name="ColourScore">0 … 1: how fire-coloured the region's pixels are.</param>
/// <param name="Timestamp">Frame time of the measurement.</param>
public readonly record struct FireCandidate(int RegionId, NormBox Box, double AreaGrowthRate, double FlickerEnergy, double ColourScore, DateTimeOffset Timestamp);

/// <summary>A region of the frame that differs from the learnt background and has not moved since <paramref name="StaticSince"/>.</summary>
/// <param name="RegionId">Stable id of the region across frames.</param>
/// <param name="Box">The region's bounding box (frame-normalised).</param>
/// <param name="StaticSince">When it stopped changing.</param>
public readonly record struct StaticRegion(int RegionId, NormBox Box, DateTimeOffset StaticSince);

/// <summary>
/// Seam for a pixel-level static foreground detector (background subtraction with a long and a short model): the host
/// implements it and copies its regions into <see cref="FrameObservation.StaticRegions"/>. The abandoned-object rule
/// treats those regions as objects of unknown class, never when a person's box overlaps them.
/// </summary>
public interface IStaticRegionSource
{
    /// <summary>The regions static as of the frame at <paramref name="timestamp"/>.</summary>
    IReadOnlyList<StaticRegion> GetStaticRegions(DateTimeOffset timestamp);
}
