using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>
/// Describes an ONNX detector so the agent can feed it and decode it without guessing: written by <c>vsa model</c>
/// next to the ONNX file, read and checked by the agent before the model is loaded.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="Id">Stable model id (for example <c>nanodet-coco</c>).</param>
/// <param name="Version">Model version; changes whenever the ONNX file changes.</param>
/// <param name="File">ONNX file name, relative to the manifest.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the ONNX file; the agent refuses a file that does not match.</param>
/// <param name="Source">Where the weights came from.</param>
/// <param name="Input">How to build the input tensor.</param>
/// <param name="Output">How to decode the outputs.</param>
/// <param name="Labels">Class labels by class index.</param>
/// <param name="Categories">Category (person, vehicle, bag, weapon, fire) → the labels that belong to it.</param>
public sealed record ModelManifest(
    string Schema,
    int SchemaVersion,
    string Id,
    string Version,
    string File,
    string Sha256,
    ModelSource? Source,
    ModelInput Input,
    ModelOutput Output,
    IReadOnlyList<string> Labels,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Categories)
{
    /// <summary>Schema identifier of model manifests.</summary>
    public const string SchemaId = "vsa.model-manifest";

    /// <summary>Current schema version of model manifests.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>Provenance of a model.</summary>
/// <param name="Package">Package it was obtained from (for example the npm package name).</param>
/// <param name="PackageVersion">Package version.</param>
/// <param name="Path">Path of the original graph inside the package.</param>
/// <param name="Licence">SPDX licence of the weights.</param>
public sealed record ModelSource(string Package, string PackageVersion, string Path, string Licence);

/// <summary>Input tensor description.</summary>
/// <param name="Name">Input name in the ONNX graph.</param>
/// <param name="Layout">Tensor layout.</param>
/// <param name="Width">Input width in pixels.</param>
/// <param name="Height">Input height in pixels.</param>
/// <param name="ColorOrder">Channel order expected by the model.</param>
/// <param name="Mean">Per-channel mean subtracted from 0–255 pixel values, in <paramref name="ColorOrder"/>.</param>
/// <param name="Std">Per-channel divisor applied after the mean, in <paramref name="ColorOrder"/>.</param>
/// <param name="Resize">How a frame is fitted to the input.</param>
public sealed record ModelInput(
    string Name,
    TensorLayout Layout,
    int Width,
    int Height,
    ColorOrder ColorOrder,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std,
    ResizeMode Resize);

/// <summary>Output decoding description.</summary>
/// <param name="Decoder">Decoder kind.</param>
/// <param name="ScoreThreshold">Default minimum score, chosen on real frames.</param>
/// <param name="NmsIouThreshold">IoU above which same-class boxes are suppressed.</param>
/// <param name="Strides">Feature-map strides (NanoDet), empty otherwise.</param>
/// <param name="RegMax">Largest bin index of the box distributions (NanoDet: 10 for 11 bins).</param>
public sealed record ModelOutput(
    DecoderKind Decoder,
    float ScoreThreshold,
    float NmsIouThreshold,
    IReadOnlyList<int> Strides,
    int RegMax);

/// <summary>Layout of the input tensor.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TensorLayout>))]
public enum TensorLayout
{
    /// <summary>Batch, channels, height, width.</summary>
    [JsonStringEnumMemberName("NCHW")] Nchw,

    /// <summary>Batch, height, width, channels.</summary>
    [JsonStringEnumMemberName("NHWC")] Nhwc,
}

/// <summary>Channel order of the input.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ColorOrder>))]
public enum ColorOrder
{
    /// <summary>Blue, green, red (OpenCV's native order).</summary>
    [JsonStringEnumMemberName("BGR")] Bgr,

    /// <summary>Red, green, blue.</summary>
    [JsonStringEnumMemberName("RGB")] Rgb,
}

/// <summary>How a frame is fitted to the model input.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResizeMode>))]
public enum ResizeMode
{
    /// <summary>Plain resize to the input size (aspect ratio not kept).</summary>
    [JsonStringEnumMemberName("stretch")] Stretch,

    /// <summary>Resize keeping the aspect ratio, centred, padded.</summary>
    [JsonStringEnumMemberName("letterbox")] Letterbox,
}

/// <summary>Kinds of output decoders the agent implements.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecoderKind>))]
public enum DecoderKind
{
    /// <summary>NanoDet: per-stride class scores [1,N,C] and GFL box distributions [1,N,4·(RegMax+1)].</summary>
    [JsonStringEnumMemberName("nanodet-gfl")] NanoDetGfl,

    /// <summary>YOLOv8 / YOLO11: one output [1, 4+C, N] with centre-size boxes in input pixels and class scores.</summary>
    [JsonStringEnumMemberName("yolov8")] YoloV8,

    /// <summary>MoveNet single-pose: one output [1,1,K,3] of (y, x, score) per keypoint, y and x in 0–1 of the input crop; labels name the K keypoints.</summary>
    [JsonStringEnumMemberName("movenet-singlepose")] MoveNetSinglePose,
}
