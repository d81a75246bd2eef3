using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// The camera document the installer edits. Every edit goes through the agent's own loader and validator
/// (<see cref="CameraConfigLoader.Parse"/>) and the rule engine against the loaded model, exactly as <c>run</c> and
/// <c>analyze</c> would load the file; the camera id and source stay those of the camera file (the page never sees a
/// password in the source). The last valid version runs on the live view and is what a save writes.
/// </summary>
internal sealed partial class SetupDraft(CameraConfig original, ModelManifest manifest, string deviceId)
{
    private readonly CameraConfig _original = original;

    private static readonly JsonSerializerOptions Canonical = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 32 };

    private volatile CameraConfig _running = original;

    /// <summary>The model's object categories (what events may name).</summary>
    public IEnumerable<string> Categories => manifest.Categories.Keys;

    /// <summary>The last valid version (the camera file's at start).</summary>
    public CameraConfig Running => _running;

    /// <summary>The document as the page gets it: the running version with any password in the source redacted.</summary>
    public JsonElement PageDocument => CameraConfigLoader.ToDocument(_running with { Source = FrameSourceSpec.Redact(_original.Source) });

    /// <summary>Validates a document from the page; a valid one becomes <see cref="Running"/>. Returns every problem, each prefixed with its field path.</summary>
    public IReadOnlyList<string> TryUpdate(string json, out CameraConfig? accepted)
    {
        accepted = null;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: Lenient);
        }
        catch (JsonException e)
        {
            return [$"$: not JSON ({e.Message})"];
        }

        if (node is not JsonObject document)
        {
            return ["$: expected a camera document (a JSON object)"];
        }

        // Fixed by the camera file: the page may not move the camera nor learn its source's password.
        document["cameraId"] = _original.CameraId;
        document["source"] = _original.Source;
        CameraConfig camera;
        try
        {
            camera = CameraConfigLoader.Parse(document.ToJsonString());
            _ = new RuleEngine(camera, manifest, deviceId);
        }
        catch (CameraConfigException e)
        {
            return e.Errors.Count > 0 ? e.Errors : [e.Message];
        }

        _running = camera;
        accepted = camera;
        return [];
    }

    /// <summary>The bytes a save writes: the loader's canonical document (camelCase, absent fields left out), indented, UTF-8, ending with a newline.</summary>
    public static byte[] Serialize(CameraConfig camera)
    {
        var text = JsonSerializer.Serialize(CameraConfigLoader.ToDocument(camera), Canonical);
        return System.Text.Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n") + "\n");
    }

    /// <summary>
    /// Writes the running version to <c>{dataDirectory}/proposals/{cameraId}.json</c> (where the hand-over picks it up
    /// for the fleet) and to <paramref name="outPath"/> if given: each atomically (temporary file, flush, rename), owner-only.
    /// </summary>
    public IReadOnlyList<string> Save(string dataDirectory, string? outPath)
    {
        var camera = _running;
        if (!SafeFileName().IsMatch(camera.CameraId))
        {
            throw new IOException($"cameraId '{camera.CameraId}' cannot name a file (letters, digits, '.', '_' and '-' only, not starting with '.')");
        }

        var bytes = Serialize(camera);
        var proposal = Path.Combine(Path.GetFullPath(dataDirectory), "proposals", camera.CameraId + ".json");
        WriteAtomically(proposal, bytes);
        if (outPath is null)
        {
            return [proposal];
        }

        var output = Path.GetFullPath(outPath);
        WriteAtomically(output, bytes);
        return [proposal, output];
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        ProtectedFile.CreateDirectory(Path.GetDirectoryName(path)!);
        ProtectedFile.Replace(path, bytes);
    }

    [GeneratedRegex("^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SafeFileName();
}
