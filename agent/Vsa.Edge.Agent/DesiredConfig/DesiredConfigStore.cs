using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.Agent.DesiredConfig;

/// <summary>
/// The last applied desired configuration, kept in the agent's data folder so a restart — even without the broker —
/// runs it, with its authorisation windows, again. Kept exactly as received (the fleet's signed envelope), so it is
/// verified again when loaded: a file written there by anyone but the fleet is refused like a forged message. Owner-only
/// (it may name a camera's source), replaced atomically (<see cref="ProtectedFile.Replace(string, ReadOnlySpan{byte}, UnixFileMode)"/>):
/// a power cut leaves the old or the new file, never half of one.
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
        ProtectedFile.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        ProtectedFile.Replace(FilePath, signed);
    }

    /// <summary>The stored bytes (to verify); null when there are none, or with <paramref name="problem"/> set when they cannot be read.</summary>
    public byte[]? TryLoad(out string? problem) =>
        ProtectedFile.TryReadAllBytes(FilePath, out problem);
}
