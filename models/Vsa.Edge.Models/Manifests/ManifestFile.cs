using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Models.Manifests;

/// <summary>Writes manifests as indented JSON with the contracts' source-generated metadata.</summary>
public static class ManifestFile
{
    private static readonly ContractsJsonContext Indented = new(new JsonSerializerOptions(ContractsJsonContext.Default.Options) { WriteIndented = true });

    public static string ToJson(ModelManifest manifest) => JsonSerializer.Serialize(manifest, Indented.ModelManifest);

    public static void Write(ModelManifest manifest, string path)
    {
        // Validate before writing: the tool never produces a manifest the agent would refuse.
        ModelManifestLoader.Validate(manifest, path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, ToJson(manifest) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
