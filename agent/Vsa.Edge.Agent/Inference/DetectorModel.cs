using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Inference;

/// <summary>
/// A verified model and its ONNX Runtime session, shared by every camera (a session runs concurrent requests);
/// each pipeline gets its own <see cref="OnnxDetector"/> with its own buffers.
/// </summary>
public sealed class DetectorModel : IDisposable
{
    private DetectorModel(ModelPackage package, InferenceSession session, string provider, float scoreThreshold)
    {
        Package = package;
        Session = session;
        ExecutionProvider = provider;
        ScoreThreshold = scoreThreshold;
    }

    /// <summary>The manifest and ONNX path.</summary>
    public ModelPackage Package { get; }

    /// <summary>The manifest.</summary>
    public ModelManifest Manifest => Package.Manifest;

    /// <summary>The session.</summary>
    public InferenceSession Session { get; }

    /// <summary>The execution provider in use (TensorRT, CUDA or CPU).</summary>
    public string ExecutionProvider { get; }

    /// <summary>The configured minimum score, else the manifest's.</summary>
    public float ScoreThreshold { get; }

    /// <summary>Loads and verifies the model in <see cref="InferenceOptions.ModelDirectory"/> and creates its session.</summary>
    public static DetectorModel Load(InferenceOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var package = ModelPackage.Load(options.ModelDirectory);
        InferenceLog.ModelLoaded(logger, package.Manifest.Id, package.Manifest.Version, package.OnnxPath);
        var (session, provider) = SessionFactory.Create(package, options, logger);
        try
        {
            if (!session.InputMetadata.ContainsKey(package.Manifest.Input.Name))
            {
                throw new ModelException($"Model '{package.OnnxPath}' has no input named '{package.Manifest.Input.Name}' (inputs: {string.Join(", ", session.InputNames)}).");
            }

            return new DetectorModel(package, session, provider, options.ScoreThreshold ?? package.Manifest.Output.ScoreThreshold);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>A detector with its own pre-processing and buffers, for one pipeline.</summary>
    public OnnxDetector CreateDetector() => new(this);

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}
