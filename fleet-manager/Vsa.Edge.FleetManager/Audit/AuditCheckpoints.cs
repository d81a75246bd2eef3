using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>The chain no longer extends the last checkpoint: no new checkpoint is signed over it.</summary>
public sealed class AuditCheckpointException(string message) : Exception(message);

/// <summary>
/// Writes signed checkpoints of the audit chain to the append-only checkpoint file (and to the log). A checkpoint is signed
/// only over a chain that extends the previous one: the entries since it are re-hashed and re-linked first, so a chain
/// rewritten between two checkpoints is reported instead of being blessed.
/// </summary>
public sealed partial class AuditCheckpoints(
    FleetDatabase database, IOptions<AuditCheckpointOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment,
    TimeProvider timeProvider, ILogger<AuditCheckpoints> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The checkpoint file.</summary>
    public string FilePath => options.Value.CheckpointPath(DataDirectory);

    /// <summary>The signing key's file.</summary>
    public string KeyPath => options.Value.KeyPath(DataDirectory);

    private string DataDirectory => Path.GetFullPath(storage.Value.DataDirectory, environment.ContentRootPath);

    /// <summary>
    /// Signs and appends a checkpoint of the current head; when <paramref name="onlyIfGrown"/>, does nothing (returns the last
    /// checkpoint) if the head has not moved since it.
    /// </summary>
    /// <exception cref="AuditCheckpointException">The chain does not extend the last checkpoint.</exception>
    public async Task<AuditCheckpoint> WriteAsync(bool onlyIfGrown, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var key = AuditCheckpointKey.LoadOrCreate(KeyPath);
            var last = ReadFile(FilePath).LastOrDefault(c => c.Checkpoint is not null && key.Verify(c.Checkpoint))?.Checkpoint;
            var (sequence, head) = await HeadExtendingAsync(last, cancellationToken);
            if (onlyIfGrown && last is not null && last.Sequence == sequence)
            {
                return last;
            }

            var checkpoint = key.Sign(sequence, head, timeProvider.GetUtcNow());
            Append(FilePath, checkpoint);
            LogCheckpoint(logger, checkpoint.Sequence, checkpoint.HeadHash, checkpoint.At, checkpoint.KeyId, checkpoint.Signature);
            return checkpoint;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One line of the checkpoint file: the checkpoint, or null when the line does not parse.</summary>
    /// <param name="Line">1-based line number.</param>
    /// <param name="Checkpoint">The checkpoint read.</param>
    public sealed record FileLine(int Line, AuditCheckpoint? Checkpoint);

    /// <summary>Every line of the checkpoint file (none when it does not exist), blank lines skipped.</summary>
    public static IReadOnlyList<FileLine> ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var lines = new List<FileLine>();
        var number = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            AuditCheckpoint? checkpoint;
            try
            {
                checkpoint = JsonSerializer.Deserialize(line, FleetJsonContext.Default.AuditCheckpoint);
            }
            catch (JsonException)
            {
                checkpoint = null;
            }

            lines.Add(new FileLine(number, checkpoint is { Format: not null, HeadHash: not null, KeyId: not null, Signature: not null } ? checkpoint : null));
        }

        return lines;
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private static void Append(string path, AuditCheckpoint checkpoint)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(checkpoint, FleetJsonContext.Default.AuditCheckpoint) + "\n"));

        // On disk before anyone is told it exists: a checkpoint lost in a crash would let the tail it covered be cut.
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Walks the entries from <paramref name="last"/> to the head, checking each hash and link; returns the head.</summary>
    private async Task<(long Sequence, string Hash)> HeadExtendingAsync(AuditCheckpoint? last, CancellationToken cancellationToken)
    {
        var from = last?.Sequence ?? 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {AuditLog.Columns} FROM audit_log WHERE sequence >= @from ORDER BY sequence;").With("@from", from);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        var (sequence, hash) = (0L, AuditHash.Genesis);
        if (last is { Sequence: > 0 })
        {
            var anchor = await reader.ReadAsync(cancellationToken) ? AuditLog.Read(columns) : null;
            if (anchor is null || anchor.Sequence != last.Sequence || anchor.Hash != last.HeadHash)
            {
                throw new AuditCheckpointException(
                    $"entry #{last.Sequence} is {(anchor is null || anchor.Sequence != last.Sequence ? "gone" : "not the one")} the checkpoint of {last.At:O} signed: the chain was cut or rewritten.");
            }

            (sequence, hash) = (anchor.Sequence, anchor.Hash);
        }

        while (await reader.ReadAsync(cancellationToken))
        {
            var entry = AuditLog.Read(columns);
            if (entry.Sequence != sequence + 1 || entry.PrevHash != hash || AuditHash.Compute(entry) != entry.Hash)
            {
                throw new AuditCheckpointException($"entry #{entry.Sequence} does not follow #{sequence} intact; run 'vsa-fleet audit verify'.");
            }

            (sequence, hash) = (entry.Sequence, entry.Hash);
        }

        return (sequence, hash);
    }

    [LoggerMessage(EventId = 2210, Level = LogLevel.Information,
        Message = "Audit checkpoint #{Sequence} {HeadHash} at {At:O} key {KeyId} signature {Signature}")]
    private static partial void LogCheckpoint(ILogger logger, long sequence, string headHash, DateTimeOffset at, string keyId, string signature);
}
