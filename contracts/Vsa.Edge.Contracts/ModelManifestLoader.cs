using System.Security.Cryptography;
using System.Text.Json;

namespace Vsa.Edge.Contracts;

/// <summary>A model manifest is unreadable or inconsistent; <see cref="Field"/> names the offending JSON field.</summary>
public sealed class ModelManifestException : Exception
{
    /// <summary>Creates an exception without details.</summary>
    public ModelManifestException()
        : this("(manifest)", "invalid model manifest")
    {
    }

    /// <summary>Creates an exception with a message only.</summary>
    /// <param name="message">What is wrong.</param>
    public ModelManifestException(string message)
        : this("(manifest)", message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="inner">The cause.</param>
    public ModelManifestException(string message, Exception inner)
        : base(message, inner) => Field = "(manifest)";

    /// <summary>Creates an exception for one field.</summary>
    /// <param name="field">JSON path of the field (for example <c>output.scoreThreshold</c>).</param>
    /// <param name="message">What is wrong.</param>
    /// <param name="inner">The cause, if any.</param>
    public ModelManifestException(string field, string message, Exception? inner = null)
        : base(message, inner) => Field = field;

    /// <summary>JSON path of the offending field, for example <c>sha256</c> or <c>input.mean</c>.</summary>
    public string Field { get; }
}

/// <summary>
/// Reads a <see cref="ModelManifest"/> and checks it before anyone loads the model: schema id and version, required
/// fields, value ranges, and that the ONNX file next to it has the recorded SHA-256. Used by the agent and the model tool.
/// </summary>
public static class ModelManifestLoader
{
    /// <summary>Reads, validates and (by default) checks the model file's hash.</summary>
    /// <param name="manifestPath">Path of <c>manifest.json</c>.</param>
    /// <param name="verifyModelFile">Whether to hash the ONNX file and compare it with <c>sha256</c>.</param>
    /// <returns>The validated manifest.</returns>
    /// <exception cref="ModelManifestException">The manifest is unreadable or a field is wrong; the message names it.</exception>
    public static ModelManifest Load(string manifestPath, bool verifyModelFile = true)
    {
        if (!File.Exists(manifestPath))
        {
            throw new ModelManifestException("(file)", $"model manifest not found: {manifestPath}");
        }

        var manifest = Parse(File.ReadAllText(manifestPath), manifestPath);
        if (verifyModelFile)
        {
            VerifyModelFile(manifest, manifestPath);
        }

        return manifest;
    }

    /// <summary>Parses and validates manifest JSON without touching the model file.</summary>
    /// <param name="json">The manifest text.</param>
    /// <param name="source">Where it came from, for messages.</param>
    /// <returns>The validated manifest.</returns>
    public static ModelManifest Parse(string json, string source)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.ModelManifest);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "(json)" : ex.Path.TrimStart('$', '.');
            throw new ModelManifestException(field, $"{source}: field '{field}' cannot be read: {ex.Message}", ex);
        }

        if (manifest is null)
        {
            throw new ModelManifestException("(json)", $"{source}: the manifest is empty (null).");
        }

        Validate(manifest, source);
        return manifest;
    }

    /// <summary>Checks every field of a manifest (not the model file).</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="source">Where it came from, for messages.</param>
    public static void Validate(ModelManifest manifest, string source)
    {
        void Require(bool ok, string field, string problem)
        {
            if (!ok)
            {
                throw new ModelManifestException(field, $"{source}: field '{field}' {problem}.");
            }
        }

        Require(manifest.Schema == ModelManifest.SchemaId, "schema", $"is '{manifest.Schema}', expected '{ModelManifest.SchemaId}'");
        Require(manifest.SchemaVersion == ModelManifest.CurrentVersion, "schemaVersion",
            $"is {manifest.SchemaVersion}, this build reads version {ModelManifest.CurrentVersion}");
        Require(!string.IsNullOrWhiteSpace(manifest.Id), "id", "is missing");
        Require(!string.IsNullOrWhiteSpace(manifest.Version), "version", "is missing");
        Require(!string.IsNullOrWhiteSpace(manifest.File), "file", "is missing");
        // The model must sit next to its manifest: a path could point the agent at any file on the device.
        Require(manifest.File == Path.GetFileName(manifest.File) && manifest.File is not (".." or "."), "file",
            $"must be a plain file name next to the manifest, not '{manifest.File}'");
        Require(manifest.Sha256 is { Length: 64 } && manifest.Sha256.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c)),
            "sha256", "must be 64 lower-case hex digits");

        Require(manifest.Input is not null, "input", "is missing");
        var input = manifest.Input!;
        Require(!string.IsNullOrWhiteSpace(input.Name), "input.name", "is missing");
        Require(input.Width > 0 && input.Height > 0, input.Width > 0 ? "input.height" : "input.width", "must be positive");
        Require(input.Mean is { Count: 3 }, "input.mean", "must hold 3 values");
        Require(input.Std is { Count: 3 } && input.Std.All(s => s > 0), "input.std", "must hold 3 positive values");

        Require(manifest.Output is not null, "output", "is missing");
        var output = manifest.Output!;
        Require(output.ScoreThreshold is > 0 and <= 1, "output.scoreThreshold", $"is {output.ScoreThreshold}, expected in (0, 1]");
        Require(output.NmsIouThreshold is > 0 and <= 1, "output.nmsIouThreshold", $"is {output.NmsIouThreshold}, expected in (0, 1]");
        if (output.Decoder == DecoderKind.NanoDetGfl)
        {
            Require(output.Strides is { Count: > 0 } && output.Strides.All(s => s > 0), "output.strides", "must list positive strides for nanodet-gfl");
            Require(output.RegMax > 0, "output.regMax", "must be positive for nanodet-gfl");
        }

        Require(manifest.Labels is { Count: > 0 }, "labels", "must list at least one label");
        Require(manifest.Labels!.All(l => !string.IsNullOrWhiteSpace(l)), "labels", "must not contain empty labels");
        Require(manifest.Categories is not null, "categories", "is missing");
        foreach (var (category, labels) in manifest.Categories!)
        {
            var unknown = labels?.FirstOrDefault(l => !manifest.Labels!.Contains(l));
            Require(labels is not null && unknown is null, $"categories.{category}", $"lists '{unknown}', which is not in labels");
        }
    }

    /// <summary>Full path of the model file a manifest describes.</summary>
    /// <param name="manifestPath">Path of <c>manifest.json</c>.</param>
    /// <param name="manifest">The manifest read from it.</param>
    /// <returns>The ONNX file's path.</returns>
    public static string ModelPath(string manifestPath, ModelManifest manifest) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, manifest.File);

    /// <summary>Checks that the model file exists and has the recorded SHA-256.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="manifestPath">Path of <c>manifest.json</c>.</param>
    public static void VerifyModelFile(ModelManifest manifest, string manifestPath)
    {
        var model = ModelPath(manifestPath, manifest);
        if (!File.Exists(model))
        {
            throw new ModelManifestException("file", $"{manifestPath}: field 'file' names {manifest.File}, which does not exist next to the manifest.");
        }

        var actual = ComputeSha256(model);
        if (actual != manifest.Sha256)
        {
            throw new ModelManifestException("sha256",
                $"{manifestPath}: field 'sha256' does not match {manifest.File} (manifest {manifest.Sha256}, file {actual}); the model was changed or replaced.");
        }
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>64 hex digits.</returns>
    public static string ComputeSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
