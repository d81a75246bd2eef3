using System.Text;

namespace Vsa.Edge.Contracts.Files;

/// <summary>
/// The one writer for files whose mode matters (keys, kept signed states, certificates, generated broker files), used by
/// the agent and the fleet alike. A file is created with its final Unix mode — a key is never readable by others, not
/// even for an instant — and flushed to disk before it counts: <see cref="Replace(string, ReadOnlySpan{byte}, UnixFileMode)"/>
/// writes beside and renames over, so a reader or a power cut sees the old file or the new one, never half of one.
/// </summary>
public static class ProtectedFile
{
    /// <summary>0600: read and written by the owner only (the default).</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>0644: written by the owner, readable by all (certificates, a CRL, a broker's configuration).</summary>
    public const UnixFileMode Readable = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>0700 for a folder of owner-only files.</summary>
    public const UnixFileMode OwnerOnlyDirectory = OwnerOnly | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="directory"/> (and its parents) 0700 when it does not exist; an existing one is left as it is.</summary>
    public static void CreateDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }
    }

    /// <summary>
    /// The bytes of <paramref name="path"/>; null when it does not exist, or with <paramref name="problem"/> (naming the file)
    /// set when it cannot be read.
    /// </summary>
    public static byte[]? TryReadAllBytes(string path, out string? problem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        problem = null;
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{path}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to a new file created with <paramref name="mode"/>; fails if it exists.</summary>
    public static void Create(string path, string text, UnixFileMode mode = OwnerOnly) =>
        Create(path, Encoding.UTF8.GetBytes(text), mode);

    /// <summary>Writes <paramref name="bytes"/> to a new file created with <paramref name="mode"/> and flushed to disk; fails if it exists.</summary>
    public static void Create(string path, ReadOnlySpan<byte> bytes, UnixFileMode mode = OwnerOnly)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> (UTF-8, no BOM) atomically; see <see cref="Replace(string, ReadOnlySpan{byte}, UnixFileMode)"/>.</summary>
    public static void Replace(string path, string text, UnixFileMode mode = OwnerOnly) =>
        Replace(path, Encoding.UTF8.GetBytes(text), mode);

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="bytes"/>: written to a new temporary file beside it (a unique
    /// name, created with <paramref name="mode"/>, so a file left by an earlier crash can lend it neither its mode nor its
    /// content), flushed to disk, then renamed over. The folder must exist. The temporary file never outlives a failure.
    /// </summary>
    public static void Replace(string path, ReadOnlySpan<byte> bytes, UnixFileMode mode = OwnerOnly)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Create(temporary, bytes, mode);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
