using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Inference;

/// <summary>A model that is missing, malformed or does not match its manifest (for example a SHA-256 mismatch).</summary>
public sealed class ModelException : Exception
{
    public ModelException()
    {
    }

    public ModelException(string message)
        : base(message)
    {
    }

    public ModelException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A model folder whose manifest was read and validated and whose ONNX file matched the manifest's SHA-256.</summary>
/// <param name="Manifest">The manifest.</param>
/// <param name="OnnxPath">Full path of the ONNX file.</param>
public sealed record ModelPackage(ModelManifest Manifest, string OnnxPath)
{
    /// <summary>Reads <c>manifest.json</c> in <paramref name="directory"/> with <see cref="ModelManifestLoader"/> and verifies the ONNX file it names.</summary>
    public static ModelPackage Load(string directory)
    {
        var manifestPath = Path.Combine(directory, "manifest.json");
        try
        {
            var manifest = ModelManifestLoader.Load(manifestPath);
            return new ModelPackage(manifest, Path.GetFullPath(ModelManifestLoader.ModelPath(manifestPath, manifest)));
        }
        catch (ModelManifestException ex)
        {
            throw new ModelException($"Model in '{directory}' cannot be used: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new ModelException($"Model in '{directory}' cannot be read: {ex.Message}", ex);
        }
    }
}
