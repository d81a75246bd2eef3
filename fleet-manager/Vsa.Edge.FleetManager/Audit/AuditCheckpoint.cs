using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json;
using Vsa.Edge.Contracts.Files;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>Audit checkpoint settings, section <c>Fleet:Audit</c>.</summary>
public sealed class AuditCheckpointOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Audit";

    /// <summary>
    /// The append-only JSON-lines file of signed checkpoints, one line each. Default <c>audit-checkpoints.jsonl</c> under
    /// <c>Fleet:Storage:DataDirectory</c>; a relative path is resolved against that folder. In production put it where the
    /// database's writers cannot rewrite it (another mount, a file marked append-only with <c>chattr +a</c>); every checkpoint
    /// is also logged (event 2210), so journald or a remote syslog keeps a copy.
    /// </summary>
    public string? CheckpointFile { get; set; }

    /// <summary>
    /// The ECDSA P-256 private key (PKCS#8 PEM) that signs checkpoints, created on first use with mode 0600. The database never
    /// holds it. Default <c>audit-checkpoint.key</c> under <c>Fleet:Storage:DataDirectory</c>; set it to a path outside the
    /// data folder (for example <c>/etc/vsa-fleet/audit-checkpoint.key</c>) so that a copy of the data folder does not carry it.
    /// </summary>
    public string? CheckpointKeyFile { get; set; }

    /// <summary>How often a checkpoint is written when the chain has grown. Default 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The checkpoint file's full path.</summary>
    public string CheckpointPath(string dataDirectory) => Path.GetFullPath(CheckpointFile ?? "audit-checkpoints.jsonl", dataDirectory);

    /// <summary>The key file's full path.</summary>
    public string KeyPath(string dataDirectory) => Path.GetFullPath(CheckpointKeyFile ?? "audit-checkpoint.key", dataDirectory);
}

/// <summary>
/// A signed statement that the audit chain had <paramref name="Sequence"/> entries ending with <paramref name="HeadHash"/> at
/// <paramref name="At"/>. Once written outside the database, a chain rewritten consistently (every hash recomputed) no longer
/// has that hash at that place, and a chain cut at its tail no longer reaches that sequence.
/// </summary>
/// <param name="Format">Always <see cref="AuditCheckpointKey.FormatName"/>.</param>
/// <param name="Sequence">Head sequence (0 for an empty chain).</param>
/// <param name="HeadHash">Hash of the head entry (<see cref="AuditHash.Genesis"/> for an empty chain).</param>
/// <param name="At">When it was signed (fleet clock, UTC).</param>
/// <param name="KeyId">First 16 hex digits of the SHA-256 of the signing key's SubjectPublicKeyInfo.</param>
/// <param name="Signature">ECDSA P-256 / SHA-256 signature (IEEE P1363, base64) of <see cref="AuditCheckpointKey.SignedBytes"/>.</param>
public sealed record AuditCheckpoint(string Format, long Sequence, string HeadHash, DateTimeOffset At, string KeyId, string Signature);

/// <summary>The checkpoint signing key: loaded from its file, or created there owner-only on first use.</summary>
public sealed class AuditCheckpointKey : IDisposable
{
    /// <summary>The format name inside every checkpoint and its signed bytes.</summary>
    public const string FormatName = "vsa-audit-checkpoint/1";

    private readonly ECDsa _key;

    private AuditCheckpointKey(ECDsa key, string path)
    {
        _key = key;
        Path = path;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    /// <summary>The key file.</summary>
    public string Path { get; }

    /// <summary>The key's id, written in every checkpoint.</summary>
    public string KeyId { get; }

    /// <summary>Loads the key at <paramref name="path"/>, creating it (mode 0600, folder created) when absent.</summary>
    public static AuditCheckpointKey LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            try
            {
                ProtectedFile.Create(path, fresh.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it meanwhile: use that one.
            }
        }

        return Load(path);
    }

    /// <summary>Loads the key at <paramref name="path"/>; null when there is no file.</summary>
    public static AuditCheckpointKey? TryLoad(string path) => File.Exists(path) ? Load(path) : null;

    /// <summary>Signs the head of the chain.</summary>
    public AuditCheckpoint Sign(long sequence, string headHash, DateTimeOffset at)
    {
        at = SqlDialect.Normalise(at);
        var signature = _key.SignData(SignedBytes(sequence, headHash, at, KeyId), HashAlgorithmName.SHA256);
        return new AuditCheckpoint(FormatName, sequence, headHash, at, KeyId, Convert.ToBase64String(signature));
    }

    /// <summary>Whether <paramref name="checkpoint"/> was signed by this key and not changed since.</summary>
    public bool Verify(AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Format != FormatName || checkpoint.KeyId != KeyId)
        {
            return false;
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(checkpoint.Signature);
        }
        catch (FormatException)
        {
            return false;
        }

        return _key.VerifyData(SignedBytes(checkpoint.Sequence, checkpoint.HeadHash, checkpoint.At, checkpoint.KeyId), signature, HashAlgorithmName.SHA256);
    }

    /// <summary>
    /// The bytes signed: a compact JSON array <c>["vsa-audit-checkpoint/1", sequence, "head hash", "at", "key id"]</c>, the
    /// time in <see cref="DbTime"/>'s fixed format, so that it reads one way only.
    /// </summary>
    public static byte[] SignedBytes(long sequence, string headHash, DateTimeOffset at, string keyId)
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(FormatName);
            writer.WriteNumberValue(sequence);
            writer.WriteStringValue(headHash);
            writer.WriteStringValue(DbTime.Write(at));
            writer.WriteStringValue(keyId);
            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static AuditCheckpointKey Load(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            return new AuditCheckpointKey(key, path);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
