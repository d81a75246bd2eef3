namespace Vsa.Edge.Agent.DesiredConfig;

/// <summary>
/// The last applied desired configuration, kept in the agent's data folder so a restart — even without the broker —
/// runs it, with its authorisation windows, again. Kept exactly as received (the fleet's signed envelope), so it is
/// verified again when loaded: a file written there by anyone but the fleet is refused like a forged message. Written to a
/// temporary file, flushed to disk, then renamed over the previous one: a power cut leaves the old or the new file, never
/// half of one.
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

    /// <summary>Replaces the stored configuration atomically with <paramref name="signed"/>, the bytes as received.</summary>
    public void Save(ReadOnlySpan<byte> signed)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = FilePath + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(signed);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    /// <summary>The stored bytes (to verify); null when there are none, or with <paramref name="problem"/> set when they cannot be read.</summary>
    public byte[]? TryLoad(out string? problem)
    {
        problem = null;
        if (!File.Exists(FilePath))
        {
            return null;
        }

        try
        {
            return File.ReadAllBytes(FilePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{FilePath}: {ex.Message}";
            return null;
        }
    }
}
