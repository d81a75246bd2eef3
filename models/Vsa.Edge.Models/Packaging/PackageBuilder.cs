using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Models.Packaging;

/// <summary>What <see cref="PackageBuilder.Pack"/> needs.</summary>
/// <param name="ModelDirectory">A prepared model folder (manifest.json and its ONNX file).</param>
/// <param name="Clip">The video the validation frames come from.</param>
/// <param name="Version">Package version.</param>
/// <param name="Frames">How many validation frames.</param>
/// <param name="FrameStep">Frames between two validation frames in the clip.</param>
/// <param name="Lifetime">How long the metadata stays valid.</param>
/// <param name="MinAgentVersion">Oldest agent that may run it.</param>
/// <param name="MinIou">Validation IoU tolerance.</param>
/// <param name="ScoreTolerance">Validation score tolerance.</param>
/// <param name="MaxExtraDetections">Unmatched device detections allowed.</param>
/// <param name="MinFps">Least model rate on the device (0: no gate).</param>
/// <param name="ExpectFrom">
/// Another model folder whose detections become the expected ones (default: the packed model's). Makes a package whose
/// model was damaged after its validation set was computed: what a conversion fault looks like, for the rollout tests.
/// </param>
/// <param name="Detector">A pose model: the detector folder whose person boxes give the validation crops (default: the prepared NanoDet).</param>
/// <param name="PersonsPerFrame">A pose model: most person crops per validation frame (the largest boxes).</param>
/// <param name="MaxKeypointDistance">A pose model: largest mean keypoint distance, as a fraction of the box's longer side.</param>
/// <param name="MaxFailedCrops">A pose model: crops allowed outside the tolerances.</param>
public sealed record PackRequest(
    string ModelDirectory,
    string Clip,
    string Version,
    int Frames = 8,
    int FrameStep = 100,
    TimeSpan? Lifetime = null,
    string MinAgentVersion = "1.0.0",
    float MinIou = 0.7f,
    float ScoreTolerance = 0.08f,
    int MaxExtraDetections = 2,
    double MinFps = 0,
    string? ExpectFrom = null,
    string? Detector = null,
    int PersonsPerFrame = 3,
    float MaxKeypointDistance = 0.05f,
    int MaxFailedCrops = 0);

/// <summary>
/// Makes an unsigned package: the model's files, and validation frames of a clip (lossless PNG of the frame OpenCV decodes,
/// as the agent decodes it) with the detections this machine computes on them through the agent's own detector on the CPU
/// — for a pose model (MoveNet), the person crops of those frames and their keypoints (<see cref="PoseValidationFrames"/>).
/// </summary>
public static class PackageBuilder
{
    /// <summary>Writes the package to <paramref name="output"/>; returns its metadata.</summary>
    public static ModelPackageMetadata Pack(PackRequest request, Stream output, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        _ = ModelPackageFormat.ParseVersion(request.Version, "--version");
        var manifestPath = Path.Combine(request.ModelDirectory, ModelPackageFormat.ManifestFile);
        var manifest = ModelManifestLoader.Load(manifestPath);
        var contents = new Dictionary<string, Func<Stream>>(StringComparer.Ordinal)
        {
            [ModelPackageFormat.ManifestFile] = () => File.OpenRead(manifestPath),
            [manifest.File] = () => File.OpenRead(ModelManifestLoader.ModelPath(manifestPath, manifest)),
        };
        if (!ModelPackageFormat.IsValidPath(manifest.File))
        {
            throw new InvalidDataException($"the manifest's file '{manifest.File}' is not a [a-z0-9._-] name");
        }

        var pose = manifest.Output.Decoder == DecoderKind.MoveNetSinglePose;
        var frames = pose ? PoseValidationFrames.Compute(request, contents) : ComputeValidationFrames(request, manifest, contents);
        var files = contents.Select(c => Describe(c.Key, c.Value)).ToList();
        var now = time.GetUtcNow();
        var metadata = new ModelPackageMetadata(
            ModelPackageMetadata.SchemaId,
            ModelPackageMetadata.CurrentVersion,
            manifest.Id,
            request.Version,
            pose ? ModelPackageMetadata.PoseKind : ModelPackageMetadata.DetectorKind,
            files,
            [.. manifest.Categories.Keys.Order(StringComparer.Ordinal)],
            request.MinAgentVersion,
            now,
            now + (request.Lifetime ?? TimeSpan.FromDays(365)),
            new ValidationSet(manifest.Output.ScoreThreshold, request.MinIou, request.ScoreTolerance, request.MaxExtraDetections, request.MinFps, frames,
                pose ? new PoseTolerance(request.MaxKeypointDistance, request.ScoreTolerance, manifest.Output.ScoreThreshold, request.MaxFailedCrops) : null),
            pose ? manifest.Labels : null,
            pose ? PoseValidationFrames.Events : null);
        ModelPackageFormat.Write(output, ModelPackageFormat.UnsignedMetadataEntry, ModelPackageFormat.SerializeMetadata(metadata), metadata, p => contents[p]());
        return metadata;
    }

    private static List<ValidationFrame> ComputeValidationFrames(PackRequest request, ModelManifest manifest, Dictionary<string, Func<Stream>> contents)
    {
        using var model = DetectorModel.Load(new InferenceOptions { ModelDirectory = request.ExpectFrom ?? request.ModelDirectory, ExecutionProviders = ["CPU"] }, NullLogger.Instance);
        using var detector = model.CreateDetector();
        var detections = new List<Agent.Core.Detection.Detection>();
        return ValidationFrameSampler.Sample(request, contents, (decoded, index, path) =>
        {
            detector.Detect(decoded, manifest.Output.ScoreThreshold, detections);
            return new ValidationFrame(path, index, [.. detections.Select(d => new ExpectedDetection(d.ClassId, d.Score, d.Box.X, d.Box.Y, d.Box.Width, d.Box.Height))]);
        });
    }

    private static PackagedFile Describe(string path, Func<Stream> open)
    {
        using var stream = open();
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(stream);
        return new PackagedFile(path, stream.Length, Convert.ToHexStringLower(hash));
    }
}
