using System.Globalization;
using Vsa.Edge.Contracts;
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

    /// <summary>Every model <c>prepare</c> builds, in the order it builds them.</summary>
    public static IReadOnlyList<PreparedModel> All { get; } = [NanoDet, MoveNet];

    /// <summary>The ONNX graph input the manifest describes: name, element type and the 4-D shape its layout implies.</summary>
    public OnnxTensorInfo ExpectedInput
    {
        get
        {
            var (h, w) = (Input.Height.ToString(CultureInfo.InvariantCulture), Input.Width.ToString(CultureInfo.InvariantCulture));
            return new OnnxTensorInfo(Input.Name, InputElementType, Input.Layout == TensorLayout.Nchw ? ["1", "3", h, w] : ["1", h, w, "3"]);
        }
    }

    /// <summary>The model with this id, or null.</summary>
    public static PreparedModel? Find(string id) => All.FirstOrDefault(m => m.Id == id);
}
