using System.Globalization;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Onnx;

namespace Vsa.Edge.Models.Manifests;

/// <summary>Builds a model's manifest from the ONNX file's SHA-256, a version, a score threshold and the file name.</summary>
public delegate ModelManifest ManifestFactory(string sha256, string version, float scoreThreshold, string fileName);

/// <summary>
/// A model that <c>vsa-model prepare</c> builds into <c>&lt;cache&gt;/models/&lt;id&gt;/</c>: where its graph sits in
/// the npm package, the ONNX input the manifest promises, and how to write that manifest.
/// </summary>
public sealed record PreparedModel(
    string Id,
    string Version,
    string FileName,
    string GraphPath,
    float DefaultScoreThreshold,
    string InputElementType,
    ModelInput Input,
    ManifestFactory CreateManifest)
{
    public static PreparedModel NanoDet { get; } = new(
        NanoDetManifest.Id,
        NanoDetManifest.Version,
        NanoDetManifest.FileName,
        NanoDetManifest.GraphPath,
        NanoDetManifest.DefaultScoreThreshold,
        "float32",
        NanoDetManifest.Input,
        (sha, version, threshold, file) => NanoDetManifest.Create(sha, version, threshold, file));

    public static PreparedModel MoveNet { get; } = new(
        MoveNetManifest.Id,
        MoveNetManifest.Version,
        MoveNetManifest.FileName,
        MoveNetManifest.GraphPath,
        MoveNetManifest.DefaultScoreThreshold,
        "int32",
        MoveNetManifest.Input,
        (sha, version, threshold, file) => MoveNetManifest.Create(sha, version, threshold, file));

    /// <summary>How <c>prepare</c> converts it (the graph's own input size and a batch of one unless set).</summary>
    public ConversionOptions Conversion { get; init; } = ConversionOptions.Default;

    /// <summary>
    /// NanoDet converted at another input size (width × height, multiples of 32), optionally letterboxed and with a
    /// symbolic batch: a model of its own, <c>nanodet-coco-&lt;w&gt;x&lt;h&gt;[-letterbox][-batch]</c>, beside the default one.
    /// </summary>
    public static PreparedModel NanoDetAt(int width, int height, bool letterbox = false, bool dynamicBatch = false)
    {
        if (width <= 0 || height <= 0 || width % 32 != 0 || height % 32 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"NanoDet's input size must be positive multiples of 32 (its largest stride), got {width}×{height}.");
        }

        var id = FormattableString.Invariant($"{NanoDetManifest.Id}-{width}x{height}{(letterbox ? "-letterbox" : "")}{(dynamicBatch ? "-batch" : "")}");
        var input = NanoDetManifest.Input with { Width = width, Height = height, Resize = letterbox ? ResizeMode.Letterbox : ResizeMode.Stretch };
        return NanoDet with
        {
            Id = id,
            Input = input,
            CreateManifest = (sha, version, threshold, file) => NanoDetManifest.Create(sha, version, threshold, file, id, input),
            Conversion = new ConversionOptions(height, width, dynamicBatch),
        };
    }

    /// <summary>Every model <c>prepare</c> builds, in the order it builds them.</summary>
    public static IReadOnlyList<PreparedModel> All { get; } = [NanoDet, MoveNet];

    /// <summary>The ONNX graph input the manifest describes: name, element type and the 4-D shape its layout implies.</summary>
    public OnnxTensorInfo ExpectedInput
    {
        get
        {
            var (h, w) = (Input.Height.ToString(CultureInfo.InvariantCulture), Input.Width.ToString(CultureInfo.InvariantCulture));
            var n = Conversion.DynamicBatch ? OnnxModelWriter.BatchDimension : "1";
            return new OnnxTensorInfo(Input.Name, InputElementType, Input.Layout == TensorLayout.Nchw ? [n, "3", h, w] : [n, h, w, "3"]);
        }
    }

    /// <summary>The model with this id, or null.</summary>
    public static PreparedModel? Find(string id) => All.FirstOrDefault(m => m.Id == id);
}
