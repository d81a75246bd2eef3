using Vsa.Edge.Contracts;

namespace Vsa.Edge.Models.Manifests;

/// <summary>
/// The manifest of the converted MoveNet single-pose lightning model: int32 RGB 0–255 NHWC 192×192 in (no
/// normalisation: the graph does it), [1,1,17,3] (y, x, score) per COCO keypoint out, coordinates in 0–1 of the crop.
/// </summary>
public static class MoveNetManifest
{
    public const string Id = "movenet-lightning";

    /// <summary>Package version + our conversion revision; bump the suffix whenever the converter's output changes.</summary>
    public const string Version = "3.0.4-vsa1";

    public const string FileName = "movenet.onnx";

    public const string GraphPath = "models/movenet-lightning.json";

    /// <summary>Minimum keypoint score: 0.3, the value MoveNet's own demos and TFJS pose-detection use.</summary>
    public const float DefaultScoreThreshold = 0.3f;

    /// <summary>
    /// The model card asks for the crop resized with padding (<c>tf.image.resize_with_pad</c>): the body's proportions
    /// must survive, so the input is letterboxed, not stretched. Mean 0 and std 1: the graph takes raw 0–255 values.
    /// </summary>
    public static ModelInput Input { get; } = new(
        "input",
        TensorLayout.Nhwc,
        192,
        192,
        ColorOrder.Rgb,
        [0f, 0f, 0f],
        [1f, 1f, 1f],
        ResizeMode.Letterbox);

    /// <summary>The 17 COCO keypoints in the model's output order ("left" and "right" are the person's own sides).</summary>
    public static IReadOnlyList<string> KeypointNames { get; } =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    /// <summary>
    /// One pose per crop: no strides, no box distributions, and an IoU threshold of 1 (nothing is ever suppressed) because
    /// the manifest schema requires one in (0, 1].
    /// </summary>
    public static ModelManifest Create(string sha256, string version = Version, float scoreThreshold = DefaultScoreThreshold, string fileName = FileName) => new(
        ModelManifest.SchemaId,
        ModelManifest.CurrentVersion,
        Id,
        version,
        fileName,
        sha256,
        new ModelSource(Fetch.HumanModelsPackage.Name, Fetch.HumanModelsPackage.Version, GraphPath, "Apache-2.0"),
        Input,
        new ModelOutput(DecoderKind.MoveNetSinglePose, scoreThreshold, 1f, [], 0),
        KeypointNames,
        new Dictionary<string, IReadOnlyList<string>>());
}
