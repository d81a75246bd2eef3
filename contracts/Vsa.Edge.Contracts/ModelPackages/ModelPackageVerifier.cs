using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Contracts.ModelPackages;

/// <summary>What the receiver of a package checks it against besides the keys.</summary>
/// <param name="Now">The current time (expiry).</param>
/// <param name="AgentVersion">The receiving agent's version (the package's minimum); null skips the check (the fleet).</param>
/// <param name="RunningId">Id of the model running now; with <paramref name="RunningVersion"/>, refuses a package of the same id that is not newer.</param>
/// <param name="RunningVersion">Version of the model running now, null when none was installed from a package.</param>
public sealed record PackageChecks(DateTimeOffset Now, string? AgentVersion = null, string? RunningId = null, string? RunningVersion = null);

/// <summary>A package whose signature, metadata and every file checked.</summary>
/// <param name="Metadata">The signed metadata.</param>
/// <param name="KeyId">The model-signing key that signed it.</param>
/// <param name="MetadataSha256">SHA-256 of the signed metadata bytes (names this exact package version in reports).</param>
public sealed record VerifiedModelPackage(ModelPackageMetadata Metadata, string KeyId, string MetadataSha256);

/// <summary>
/// Checks a model package in one pass over the file: the signed metadata first (trusted key, schema, expiry, no
/// downgrade, agent version), then each entry against the signed size and SHA-256, optionally writing the files under a
/// folder as they are checked. Nothing in a package is trusted before its signature: entries not listed, paths that leave
/// the folder, links and oversized entries are refused.
/// </summary>
public static class ModelPackageVerifier
{
    /// <summary>Verifies the package at <paramref name="packagePath"/>; see <see cref="Verify(Stream, SignedMessageVerifier, PackageChecks, string?)"/>.</summary>
    public static VerifiedModelPackage Verify(string packagePath, SignedMessageVerifier keys, PackageChecks checks, string? extractTo = null)
    {
        using var stream = File.OpenRead(packagePath);
        return Verify(stream, keys, checks, extractTo);
    }

    /// <summary>
    /// Verifies a package and, when <paramref name="extractTo"/> is given, writes its files there (the folder must be new or
    /// empty; on refusal what was written is left for the caller to delete).
    /// </summary>
    /// <exception cref="ModelPackageException">Refused; <see cref="ModelPackageException.Reason"/> says why.</exception>
    public static VerifiedModelPackage Verify(Stream package, SignedMessageVerifier keys, PackageChecks checks, string? extractTo = null)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(checks);
        using var reader = new TarReader(package, leaveOpen: true);
        var first = ModelPackageFormat.NextEntry(reader) ?? throw new ModelPackageException(ModelPackageRefusal.Malformed, "the package is empty");
        if (first.Name == ModelPackageFormat.UnsignedMetadataEntry)
        {
            throw new ModelPackageException(ModelPackageRefusal.Untrusted, "the package is not signed (run vsa model sign)");
        }

        if (first.Name != ModelPackageFormat.MetadataEntry)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"the first entry is '{first.Name}', not '{ModelPackageFormat.MetadataEntry}'");
        }

        var envelope = ModelPackageFormat.ReadSmall(first, ModelPackageFormat.MaxMetadataBytes);
        if (!keys.TryVerify(envelope, ModelPackageMetadata.SchemaId, out var verified, out var error))
        {
            throw new ModelPackageException(ModelPackageRefusal.Untrusted, error);
        }

        var metadata = Parse(verified.Payload);
        CheckMetadata(metadata, checks);
        CheckFiles(reader, metadata, extractTo);
        return new VerifiedModelPackage(metadata, verified.KeyId, verified.Sha256);
    }

    /// <summary>Parses and checks the fields of metadata JSON (no signature, no files): for <c>vsa model sign</c> and tests.</summary>
    public static ModelPackageMetadata Parse(byte[] json)
    {
        ModelPackageMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.ModelPackageMetadata);
        }
        catch (JsonException ex)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, $"metadata: {ex.Message}", ex);
        }

        if (metadata is null)
        {
            throw new ModelPackageException(ModelPackageRefusal.Malformed, "metadata: the document is null");
        }

        CheckFields(metadata);
        return metadata;
    }

    private static void CheckFields(ModelPackageMetadata m)
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ModelPackageException(ModelPackageRefusal.Malformed, $"metadata: {message}");
            }
        }

        Require(m.Schema == ModelPackageMetadata.SchemaId, $"schema '{m.Schema}' is not '{ModelPackageMetadata.SchemaId}'");
        Require(m.SchemaVersion == ModelPackageMetadata.CurrentVersion, $"schemaVersion {m.SchemaVersion} is not {ModelPackageMetadata.CurrentVersion}");
        Require(ModelPackageFormat.IsValidPath(m.Id) && !m.Id.Contains('/', StringComparison.Ordinal), $"id '{m.Id}' is not [a-z0-9._-]+");
        _ = ModelPackageFormat.ParseVersion(m.Version, "version");
        _ = ModelPackageFormat.ParseVersion(m.MinAgentVersion, "minAgentVersion");
        Require(m.Kind is ModelPackageMetadata.DetectorKind or ModelPackageMetadata.PoseKind, $"kind '{m.Kind}' is not 'detector' or 'pose'");
        Require(m.Files is { Count: > 0 and <= 64 }, "files: 1 to 64 entries");
        Require(m.Categories is not null && m.Categories.All(c => !string.IsNullOrWhiteSpace(c)), "categories: a list of names");
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in m.Files)
        {
            Require(f is not null && ModelPackageFormat.IsValidPath(f.Path), $"files: path '{f?.Path}' is not a relative [a-z0-9._-/] path");
            Require(paths.Add(f!.Path), $"files: '{f.Path}' listed twice");
            Require(f.Path is not (ModelPackageFormat.MetadataEntry or ModelPackageFormat.UnsignedMetadataEntry), $"files: '{f.Path}' is the metadata's name");
            Require(f.Size is >= 0 and <= ModelPackageFormat.MaxFileBytes, $"files: '{f.Path}' size {f.Size}");
            Require(f.Sha256 is { Length: 64 } && f.Sha256.All(char.IsAsciiHexDigitLower), $"files: '{f.Path}' sha256 is not 64 lower-case hex digits");
        }

        Require(paths.Contains(ModelPackageFormat.ManifestFile), $"files: no '{ModelPackageFormat.ManifestFile}'");
        Require(m.ExpiresAt > m.CreatedAt, "expiresAt is not after createdAt");
        var v = m.Validation;
        Require(v is not null, "validation is missing");
        Require(v!.ScoreThreshold is > 0 and < 1 && v.MinIou is > 0 and <= 1 && v.ScoreTolerance is >= 0 and <= 1 && v.MaxExtraDetections >= 0 && v.MinFps >= 0,
            "validation: scoreThreshold in (0,1), minIou in (0,1], scoreTolerance in [0,1], maxExtraDetections ≥ 0, minFps ≥ 0");
        Require(v.Frames is { Count: > 0 and <= 64 }, "validation: 1 to 64 frames");
        foreach (var frame in v.Frames)
        {
            Require(frame is not null && paths.Contains(frame.File), $"validation: frame '{frame?.File}' is not in files");
            Require(frame!.Detections is not null && frame.Detections.All(d => d is not null && d.ClassId >= 0), $"validation: frame '{frame.File}' detections");
        }

        if (m.Kind == ModelPackageMetadata.PoseKind)
        {
            CheckPose(m, Require);
        }
    }

    // A pose package names its keypoints and events, and each validation frame carries person crops with one (x, y, score) per keypoint.
    private static void CheckPose(ModelPackageMetadata m, Action<bool, string> require)
    {
        require(m.Keypoints is { Count: > 0 and <= 256 } && m.Keypoints.All(k => !string.IsNullOrWhiteSpace(k)), "keypoints: a pose model names 1 to 256 keypoints");
        require(m.Events is not null && m.Events.All(e => !string.IsNullOrWhiteSpace(e)), "events: a pose model lists the events it serves");
        var t = m.Validation.Pose;
        require(t is not null && t.MaxMeanDistance is > 0 and <= 1 && t.ScoreTolerance is >= 0 and <= 1 && t.MinKeypointScore is >= 0 and < 1 && t.MaxFailedCrops >= 0,
            "validation.pose: maxMeanDistance in (0,1], scoreTolerance in [0,1], minKeypointScore in [0,1), maxFailedCrops ≥ 0");
        var values = m.Keypoints!.Count * 3;
        foreach (var frame in m.Validation.Frames)
        {
            require(frame.Poses is not null && frame.Poses.All(p => p is not null && p.Width > 0 && p.Height > 0 && p.Keypoints is not null && p.Keypoints.Count == values),
                $"validation: frame '{frame.File}' poses (each a box and {values} keypoint values)");
        }

        require(m.Validation.Frames.Sum(f => f.Poses!.Count) > 0, "validation: a pose model's frames hold no person crop");
    }

    private static void CheckMetadata(ModelPackageMetadata m, PackageChecks checks)
    {
        if (checks.Now >= m.ExpiresAt)
        {
            throw new ModelPackageException(ModelPackageRefusal.Expired, $"the metadata of {m.Id} {m.Version} expired at {m.ExpiresAt:O} (now {checks.Now:O})");
        }

        if (checks.AgentVersion is { } agent && ModelPackageFormat.CompareVersions(agent, m.MinAgentVersion) < 0)
        {
            throw new ModelPackageException(ModelPackageRefusal.AgentTooOld, $"{m.Id} {m.Version} needs agent {m.MinAgentVersion} or newer; this agent is {agent}");
        }

        if (checks.RunningVersion is { } running && string.Equals(checks.RunningId, m.Id, StringComparison.Ordinal)
            && ModelPackageFormat.CompareVersions(m.Version, running) <= 0)
        {
            throw new ModelPackageException(ModelPackageRefusal.Downgrade, $"{m.Id} {m.Version} is not newer than the running {running}");
        }
    }

    private static void CheckFiles(TarReader reader, ModelPackageMetadata metadata, string? extractTo)
    {
        var expected = metadata.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[81920];
        while (ModelPackageFormat.NextEntry(reader) is { } entry)
        {
            if (!expected.TryGetValue(entry.Name, out var file) || !seen.Add(entry.Name))
            {
                throw new ModelPackageException(ModelPackageRefusal.Altered, $"entry '{entry.Name}' is not listed in the signed metadata (or appears twice)");
            }

            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null && entry.Length > 0)
            {
                throw new ModelPackageException(ModelPackageRefusal.Altered, $"entry '{entry.Name}' is not a regular file");
            }

            if (entry.Length != file.Size)
            {
                throw new ModelPackageException(ModelPackageRefusal.Altered, $"'{entry.Name}' is {entry.Length} bytes, the signed metadata says {file.Size}");
            }

            var sha = Copy(entry, buffer, extractTo is null ? null : Path.Combine(extractTo, entry.Name));
            if (!string.Equals(sha, file.Sha256, StringComparison.Ordinal))
            {
                throw new ModelPackageException(ModelPackageRefusal.Altered, $"'{entry.Name}' has SHA-256 {sha}, the signed metadata says {file.Sha256}");
            }
        }

        var missing = expected.Keys.Where(k => !seen.Contains(k)).ToList();
        if (missing.Count > 0)
        {
            throw new ModelPackageException(ModelPackageRefusal.Altered, $"missing from the package: {string.Join(", ", missing)} (truncated?)");
        }
    }

    private static string Copy(TarEntry entry, byte[] buffer, string? target)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        FileStream? output = null;
        try
        {
            if (target is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }

            var source = entry.DataStream ?? Stream.Null;
            int read;
            try
            {
                while ((read = source.Read(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    output?.Write(buffer, 0, read);
                }
            }
            catch (EndOfStreamException ex)
            {
                throw new ModelPackageException(ModelPackageRefusal.Altered, $"'{entry.Name}' ends early (truncated package)", ex);
            }

            output?.Flush(flushToDisk: true);
        }
        finally
        {
            output?.Dispose();
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
