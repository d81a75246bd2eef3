using System.Formats.Tar;
using System.IO.Compression;

namespace Vsa.Edge.Models.Fetch;

/// <summary>Extracts the allowed entries of an npm tarball (.tgz) and nothing else.</summary>
public static class PackageExtractor
{
    /// <summary>Writes each allowed regular-file entry under <paramref name="destination"/>; returns the entry names written.</summary>
    public static IReadOnlyList<string> Extract(string tarball, string destination, PackageSpec spec)
    {
        var written = new List<string>();
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            var name = PackageSpec.Normalize(entry.Name);
            // Exact allow-list match: also rules out absolute paths, "..", links and devices.
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !spec.IsAllowed(name))
            {
                continue;
            }

            var target = Path.Combine(destination, name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            entry.ExtractToFile(target, overwrite: true);
            written.Add(name);
        }

        var missing = spec.RequiredEntries.Where(r => !written.Contains(r)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{Path.GetFileName(tarball)} lacks {string.Join(", ", missing)}.");
        }

        return written;
    }
}
