using System.Formats.Tar;
using System.Globalization;
using System.Text.Json;

namespace Vsa.Edge.Contracts.ModelPackages;

/// <summary>The package file: a POSIX tar whose first entry is the (signed or not yet signed) metadata, then the files it lists.</summary>
public static class ModelPackageFormat
{
    /// <summary>First entry of a signed package: a <see cref="Signing.SignedMessage"/> of the metadata.</summary>
    public const string MetadataEntry = "metadata.signed.json";

    /// <summary>First entry of a package that <c>vsa model pack</c> made and nobody signed yet: the metadata's JSON.</summary>
    public const string UnsignedMetadataEntry = "metadata.json";

    /// <summary>The manifest every package carries (the agent reads it as today's <c>manifest.json</c>).</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>Largest metadata entry read (a validation set of a few frames is a few tens of kilobytes).</summary>
    public const int MaxMetadataBytes = 4 * 1024 * 1024;

    /// <summary>Largest file in a package (2 GiB: bigger than any edge model).</summary>
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Parses a package version (2 to 4 dot-separated non-negative integers).</summary>
    /// <exception cref="ModelPackageException">Not such a version.</exception>
    public static Version ParseVersion(string? value, string what)
    {
        if (value is null || value.Split('.').Length is < 2 or > 4 || value.Any(c => c is not ('.' or (>= '0' and <= '9')))
            || !Version.TryParse(value, out var version))
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"{what} '{value}' is not a version (2 to 4 dot-separated integers, for example 2.0.0)");
        }

        return version;
    }

    /// <summary>Compares two versions as <see cref="ParseVersion"/> reads them (missing parts count as 0).</summary>
    public static int CompareVersions(string a, string b) => Normalise(ParseVersion(a, "version")).CompareTo(Normalise(ParseVersion(b, "version")));

    /// <summary>True for a relative path of <c>[a-z0-9._-]</c> segments (no empty, '.' or '..' segment), at most 200 characters.</summary>
    public static bool IsValidPath(string? path) =>
        path is { Length: > 0 and <= 200 }
        && path.Split('/').All(s => s.Length > 0 && s is not ("." or "..") && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-'));

    /// <summary>The metadata's JSON (what is signed).</summary>
    public static byte[] SerializeMetadata(ModelPackageMetadata metadata) =>
        JsonSerializer.SerializeToUtf8Bytes(metadata, ContractsJsonContext.Default.ModelPackageMetadata);

    /// <summary>
    /// Writes a package: <paramref name="metadataEntryName"/> with <paramref name="metadataEntry"/>, then each file of
    /// <paramref name="metadata"/> read from <paramref name="openFile"/>.
    /// </summary>
    public static void Write(Stream output, string metadataEntryName, byte[] metadataEntry, ModelPackageMetadata metadata, Func<string, Stream> openFile)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metadataEntry);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(openFile);
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        using (var data = new MemoryStream(metadataEntry, writable: false))
        {
            writer.WriteEntry(Entry(metadataEntryName, data, metadata.CreatedAt));
        }

        foreach (var file in metadata.Files)
        {
            using var data = openFile(file.Path);
            writer.WriteEntry(Entry(file.Path, data, metadata.CreatedAt));
        }
    }

    /// <summary>The first entry of a package: its name and bytes (at most <see cref="MaxMetadataBytes"/>).</summary>
    /// <exception cref="ModelPackageException">Not a tar, or no first entry.</exception>
    public static (string Name, byte[] Bytes) ReadFirstEntry(Stream package)
    {
        ArgumentNullException.ThrowIfNull(package);
        using var reader = new TarReader(package, leaveOpen: true);
        var entry = NextEntry(reader) ?? throw new ModelPackageException(ModelPackageRefusal.Malformed, "the package is empty");
        return (entry.Name, ReadSmall(entry, MaxMetadataBytes));
    }

    internal static TarEntry? NextEntry(TarReader reader)
    {
        try
        {
            return reader.GetNextEntry();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"not a model package (tar): {ex.Message}", ex);
        }
    }

    internal static byte[] ReadSmall(TarEntry entry, int limit)
    {
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"entry '{entry.Name}' is not a regular file");
        }

        if (entry.Length > limit)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"entry '{entry.Name}' is {entry.Length} bytes, more than {limit}");
        }

        using var copy = new MemoryStream((int)entry.Length);
        entry.DataStream.CopyTo(copy);
        return copy.ToArray();
    }

    private static PaxTarEntry Entry(string name, Stream data, DateTimeOffset time) =>
        new(TarEntryType.RegularFile, name, new Dictionary<string, string> { ["mtime"] = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) })
        {
            DataStream = data,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };

    private static Version Normalise(Version v) => new(v.Major, v.Minor, Math.Max(v.Build, 0), Math.Max(v.Revision, 0));
}
