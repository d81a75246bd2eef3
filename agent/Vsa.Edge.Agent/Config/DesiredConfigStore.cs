using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Config;

/// <summary>
/// The last applied desired configuration, kept in the agent's data folder so a restart — even without the broker —
/// runs it, with its authorisation windows, again. Written to a temporary file, flushed to disk, then renamed over the
/// previous one: a power cut leaves the old or the new file, never half of one.
/// </summary>
public sealed class DesiredConfigStore
{
    /// <summary>A store in <paramref name="dataDirectory"/> (file <c>config/desired.json</c>).</summary>
    public DesiredConfigStore(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        FilePath = Path.Combine(dataDirectory, "config", "desired.json");
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>Replaces the stored configuration atomically.</summary>
    public void Save(DesiredConfigMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = FilePath + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, message, ContractsJsonContext.Default.DesiredConfigMessage);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    /// <summary>The stored configuration; null when there is none, or with <paramref name="problem"/> set when it cannot be read.</summary>
    public DesiredConfigMessage? TryLoad(out string? problem)
    {
        problem = null;
        if (!File.Exists(FilePath))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(FilePath);
            return JsonSerializer.Deserialize(stream, ContractsJsonContext.Default.DesiredConfigMessage)
                ?? throw new JsonException("the document is null");
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = $"{FilePath}: {ex.Message}";
            return null;
        }
    }
}
