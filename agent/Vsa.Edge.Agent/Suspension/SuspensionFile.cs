using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.Agent.Suspension;

/// <summary>
/// The newest applied suspension state, kept exactly as received (the fleet's signed envelope) in
/// <c>{DataDirectory}/suspension/state.json</c>, owner-only (0600 in a 0700 folder): verified again when loaded at start,
/// before any camera runs, so a restart without the broker stays suspended and a file written by anyone else is refused.
/// Written to a temporary file, flushed to disk, then renamed over the previous one.
/// </summary>
public sealed class SuspensionFile
{
    /// <summary>A file in <paramref name="dataDirectory"/>.</summary>
    public SuspensionFile(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        FilePath = Path.Combine(dataDirectory, "suspension", "state.json");
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>Replaces the kept state atomically with <paramref name="signed"/>, the bytes as received.</summary>
    public void Save(ReadOnlySpan<byte> signed)
    {
        ProtectedFile.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        ProtectedFile.Replace(FilePath, signed);
    }

    /// <summary>The kept bytes; null when there are none, or with <paramref name="problem"/> set when they cannot be read.</summary>
    public byte[]? TryLoad(out string? problem) =>
        ProtectedFile.TryReadAllBytes(FilePath, out problem);
}
