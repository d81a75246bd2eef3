namespace Vsa.Edge.Contracts.ModelPackages;

/// <summary>
/// What a model package says about itself, signed by a model-signing key (docs/models.md). The package is a tar file whose
/// first entry, <see cref="ModelPackageFormat.MetadataEntry"/>, is a <see cref="Signing.SignedMessage"/> of schema
/// <see cref="SchemaId"/> wrapping this record's exact JSON; every other entry is listed in <see cref="Files"/> with its
/// size and SHA-256, so the signature covers every byte of the package.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="Id">Model id (the manifest's), for example <c>nanodet-coco</c>.</param>
/// <param name="Version">Package version, 2 to 4 dot-separated integers; strictly increasing per <paramref name="Id"/> (no downgrade).</param>
/// <param name="Kind"><c>detector</c> or <c>pose</c>: which of the device's models it replaces.</param>
/// <param name="Files">Every file of the package but the metadata, with size and SHA-256.</param>
/// <param name="Categories">Categories the model provides (person, vehicle, bag, …), from its manifest.</param>
/// <param name="MinAgentVersion">Oldest agent version that can run it (same version syntax).</param>
/// <param name="CreatedAt">When it was packed.</param>
/// <param name="ExpiresAt">After this instant the metadata is refused (a stale signed package cannot be replayed forever).</param>
/// <param name="Validation">The validation set the device runs before it uses the model.</param>
/// <param name="Keypoints">A pose model: the keypoints it gives, in output order (the manifest's labels); null for a detector.</param>
/// <param name="Events">A pose model: the events it serves (those whose rules read pose evidence, <c>person_down</c>); null for a detector.</param>
public sealed record ModelPackageMetadata(
    string Schema,
    int SchemaVersion,
    string Id,
    string Version,
    string Kind,
    IReadOnlyList<PackagedFile> Files,
    IReadOnlyList<string> Categories,
    string MinAgentVersion,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    ValidationSet Validation,
    IReadOnlyList<string>? Keypoints = null,
    IReadOnlyList<string>? Events = null)
{
    /// <summary>Schema id of the signed metadata.</summary>
    public const string SchemaId = "vsa.model.package";

    /// <summary>Current schema version.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Kind of a detector model.</summary>
    public const string DetectorKind = "detector";

    /// <summary>Kind of a pose model.</summary>
    public const string PoseKind = "pose";
}

/// <summary>One file of a package.</summary>
/// <param name="Path">Relative path inside the package (and inside the slot it is unpacked to): <c>[a-z0-9._-]</c> segments separated by '/'.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Sha256">Lower-case hex SHA-256.</param>
public sealed record PackagedFile(string Path, long Size, string Sha256);

/// <summary>
/// Frames and the detections the packing machine computed on them. The device runs the model on the same frames and
/// compares: every expected detection must be matched by one of the same class with IoU ≥ <paramref name="MinIou"/> and a
/// score within <paramref name="ScoreTolerance"/>, and at most <paramref name="MaxExtraDetections"/> unmatched ones may appear.
/// </summary>
/// <param name="ScoreThreshold">The minimum score the detections were computed with (and the device uses).</param>
/// <param name="MinIou">Least IoU between an expected box and the device's box.</param>
/// <param name="ScoreTolerance">Largest absolute score difference.</param>
/// <param name="MaxExtraDetections">Unmatched device detections allowed over the whole set (boxes at the threshold's edge).</param>
/// <param name="MinFps">Least model rate (runs per second on the device, validation frames); 0 = no gate.</param>
/// <param name="Frames">The frames (lossless PNG of the frame as the agent decodes it) and their detections.</param>
/// <param name="Pose">A pose model's tolerances (its frames carry <see cref="ValidationFrame.Poses"/> instead of detections); null for a detector.</param>
public sealed record ValidationSet(
    float ScoreThreshold,
    float MinIou,
    float ScoreTolerance,
    int MaxExtraDetections,
    double MinFps,
    IReadOnlyList<ValidationFrame> Frames,
    PoseTolerance? Pose = null);

/// <summary>
/// How close a device's keypoints must come to the packed ones, per person crop: over the keypoints the packing machine
/// scored at least <paramref name="MinKeypointScore"/>, the mean distance between packed and device keypoint, divided by
/// the longer side of the person box (in pixels), at most <paramref name="MaxMeanDistance"/>; over all keypoints the mean
/// absolute score difference at most <paramref name="ScoreTolerance"/>. At most <paramref name="MaxFailedCrops"/> crops may miss.
/// </summary>
/// <param name="MaxMeanDistance">Largest mean keypoint distance, as a fraction of the box's longer side.</param>
/// <param name="ScoreTolerance">Largest mean absolute keypoint score difference.</param>
/// <param name="MinKeypointScore">Packed keypoints scoring less are not compared by position (the model barely sees them).</param>
/// <param name="MaxFailedCrops">Crops allowed outside the tolerances over the whole set.</param>
public sealed record PoseTolerance(float MaxMeanDistance, float ScoreTolerance, float MinKeypointScore, int MaxFailedCrops);

/// <summary>
/// One person crop of a pose validation frame: the person box (frame-normalised, as the detector gave it to the agent)
/// and the keypoints the packing machine computed through the agent's own crop and model run.
/// </summary>
/// <param name="X">Box left (0–1).</param>
/// <param name="Y">Box top.</param>
/// <param name="Width">Box width.</param>
/// <param name="Height">Box height.</param>
/// <param name="Keypoints">x, y (frame-normalised) and score of each keypoint, in the model's order: 3 × keypoints values.</param>
public sealed record ExpectedPose(float X, float Y, float Width, float Height, IReadOnlyList<float> Keypoints);

/// <summary>One validation frame.</summary>
/// <param name="File">The PNG's path in the package (also in <see cref="ModelPackageMetadata.Files"/>).</param>
/// <param name="SourceFrame">Frame index in the source clip (information).</param>
/// <param name="Detections">What the packing machine found, after NMS, at <see cref="ValidationSet.ScoreThreshold"/> (empty for a pose model).</param>
/// <param name="Poses">A pose model: the person crops of this frame and their packed keypoints; null for a detector.</param>
public sealed record ValidationFrame(string File, long SourceFrame, IReadOnlyList<ExpectedDetection> Detections, IReadOnlyList<ExpectedPose>? Poses = null);

/// <summary>A detection, box normalised to the frame (0–1).</summary>
/// <param name="ClassId">Class index in the manifest's labels.</param>
/// <param name="Score">Score.</param>
/// <param name="X">Left.</param>
/// <param name="Y">Top.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public sealed record ExpectedDetection(int ClassId, float Score, float X, float Y, float Width, float Height);
