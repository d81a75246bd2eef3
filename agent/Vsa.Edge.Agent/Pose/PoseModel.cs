using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Pose;

/// <summary>
/// The verified MoveNet single-pose model and its ONNX Runtime session, shared by every camera; each pipeline gets its
/// own <see cref="PoseEstimator"/> with its own buffers. The manifest must say <c>movenet-singlepose</c>, NHWC, 17
/// keypoints, and the graph must take int32 RGB 0–255 and give [1, 1, 17, 3] floats.
/// </summary>
public sealed class PoseModel : IDisposable
{
    /// <summary>MoveNet's COCO keypoint count.</summary>
    public const int Keypoints = 17;

    private PoseModel(ModelPackage package, InferenceSession session, string provider, string outputName, PoseOptions options)
    {
        Package = package;
        Session = session;
        ExecutionProvider = provider;
        OutputName = outputName;
        Options = options;
    }

    /// <summary>The manifest and ONNX path.</summary>
    public ModelPackage Package { get; }

    /// <summary>The session.</summary>
    public InferenceSession Session { get; }

    /// <summary>The execution provider in use.</summary>
    public string ExecutionProvider { get; }

    /// <summary>The options it was loaded with.</summary>
    public PoseOptions Options { get; }

    /// <summary>Square input side in pixels (192 for lightning).</summary>
    public int InputSize => Package.Manifest.Input.Width;

    internal string InputName => Package.Manifest.Input.Name;

    internal string OutputName { get; }

    /// <summary>Loads and verifies the model in <see cref="PoseOptions.ModelDirectory"/> on the first of <paramref name="providers"/> that works.</summary>
    public static PoseModel Load(PoseOptions options, IReadOnlyList<string> providers, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(providers);
        var package = ModelPackage.Load(options.ModelDirectory);
        var manifest = package.Manifest;
        var input = manifest.Input;
        if (manifest.Output.Decoder != DecoderKind.MoveNetSinglePose || input.Layout != TensorLayout.Nhwc || input.Width != input.Height
            || input.ColorOrder != ColorOrder.Rgb || manifest.Labels.Count != Keypoints)
        {
            throw new ModelException(
                $"Model '{package.OnnxPath}' is not a MoveNet single-pose model (need decoder movenet-singlepose, NHWC, square RGB input, {Keypoints} keypoint labels).");
        }

        var (session, provider) = SessionFactory.Create(
            package,
            new InferenceOptions { ModelDirectory = options.ModelDirectory, ExecutionProviders = [.. providers], IntraOpThreads = options.IntraOpThreads },
            logger);
        try
        {
            if (!session.InputMetadata.TryGetValue(input.Name, out var inputMeta) || inputMeta.ElementType != typeof(int))
            {
                throw new ModelException($"Model '{package.OnnxPath}' needs an int32 input named '{input.Name}'.");
            }

            if (session.OutputMetadata.Count != 1)
            {
                throw new ModelException($"Model '{package.OnnxPath}' has {session.OutputMetadata.Count} outputs; MoveNet single-pose has one.");
            }

            var output = session.OutputMetadata.First();
            if (output.Value.ElementType != typeof(float) || output.Value.Dimensions.Aggregate(1, (a, d) => a * Math.Max(1, d)) != Keypoints * 3)
            {
                throw new ModelException($"Model '{package.OnnxPath}' output '{output.Key}' is not [1, 1, {Keypoints}, 3] floats.");
            }

            PoseLog.ModelLoaded(logger, manifest.Id, manifest.Version, package.OnnxPath, provider);
            return new PoseModel(package, session, provider, output.Key, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>An estimator with its own buffers, for one pipeline.</summary>
    public PoseEstimator CreateEstimator() => new(this);

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}
