using Vsa.Edge.Contracts;

namespace Vsa.Edge.Models.Manifests;

/// <summary>The manifest of the converted NanoDet (COCO-80) model: pre/post-processing facts from MODEL-NOTES.</summary>
public static class NanoDetManifest
{
    public const string Id = "nanodet-coco";

    /// <summary>Package version + our conversion revision; bump the suffix whenever the converter's output changes.</summary>
    public const string Version = "3.0.4-vsa1";

    public const string FileName = "nanodet.onnx";

    public const string GraphPath = "models/nanodet.json";

    /// <summary>Score threshold measured best on the demo clip (41 of 44 people, no false box at 0.5).</summary>
    public const float DefaultScoreThreshold = 0.5f;

    public static ModelInput Input { get; } = new(
        "input_1",
        TensorLayout.Nchw,
        416,
        416,
        ColorOrder.Bgr,
        [103.53f, 116.28f, 123.675f],
        [57.375f, 57.12f, 58.395f],
        ResizeMode.Stretch);

    /// <summary>The 80 COCO class names in the model's class order ("person" = 0).</summary>
    public static IReadOnlyList<string> CocoLabels { get; } =
    [
        "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
        "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
        "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
        "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
        "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
        "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
    ];

    /// <summary>The event categories the agent reasons about and the COCO labels in each.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Categories { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        ["person"] = ["person"],
        ["vehicle"] = ["bicycle", "car", "motorcycle", "bus", "truck"],
        ["bag"] = ["backpack", "handbag", "suitcase"],
        ["weapon"] = ["knife", "baseball bat"],
    };

    public static ModelManifest Create(
        string sha256, string version = Version, float scoreThreshold = DefaultScoreThreshold, string fileName = FileName, string id = Id, ModelInput? input = null) => new(
        ModelManifest.SchemaId,
        ModelManifest.CurrentVersion,
        id,
        version,
        fileName,
        sha256,
        new ModelSource(Fetch.HumanModelsPackage.Name, Fetch.HumanModelsPackage.Version, GraphPath, "Apache-2.0"),
        input ?? Input,
        new ModelOutput(DecoderKind.NanoDetGfl, scoreThreshold, 0.6f, [8, 16, 32], 10),
        CocoLabels,
        Categories);
}
