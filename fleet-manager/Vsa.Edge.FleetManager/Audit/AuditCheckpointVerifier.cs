using System.Globalization;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>What the checkpoints say of a chain that verified intact on its own.</summary>
/// <param name="Checked">Checkpoints whose signature verified and whose head was found in the chain.</param>
/// <param name="Latest">The latest checkpoint, or null when there is none.</param>
/// <param name="Problem">Why the chain does not match its checkpoints, or null.</param>
/// <param name="Warning">Something to tell without failing (no checkpoint yet), or null.</param>
public sealed record AuditCheckpointVerification(int Checked, AuditCheckpoint? Latest, string? Problem, string? Warning);

/// <summary>
/// Checks the chain against the signed checkpoints written outside the database: every checkpoint's signature, then that
/// the chain still reaches each checkpoint's sequence (else its tail was cut) with the checkpoint's hash there (else it was
/// rewritten, hashes recomputed). Run it after <see cref="AuditVerifier"/>, which finds changes the chain itself shows.
/// </summary>
public static class AuditCheckpointVerifier
{
    /// <summary>Verifies <paramref name="database"/>'s chain against the checkpoint file with the key at <paramref name="keyPath"/>.</summary>
    public static async Task<AuditCheckpointVerification> VerifyAsync(FleetDatabase database, string checkpointPath, string keyPath, long headSequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var lines = AuditCheckpoints.ReadFile(checkpointPath);
        using var key = AuditCheckpointKey.TryLoad(keyPath);
        if (key is null)
        {
            return lines.Count == 0
                ? new(0, null, null, $"no checkpoint yet ({checkpointPath}): a tail cut off the chain, or a chain rewritten whole, cannot be detected.")
                : new(0, null, $"the checkpoint key {keyPath} is missing: the {N(lines.Count)} checkpoints cannot be verified.", null);
        }

        if (lines.Count == 0)
        {
            return new(0, null, $"the checkpoint file {checkpointPath} is missing or empty while the checkpoint key exists: checkpoints were written and removed.", null);
        }

        var checkedCount = 0;
        AuditCheckpoint? latest = null;
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var (line, checkpoint) in lines)
        {
            if (checkpoint is null || !key.Verify(checkpoint))
            {
                return new(checkedCount, latest, $"checkpoint line {N(line)} of {checkpointPath} {(checkpoint is null ? "does not parse" : "has no valid signature by this key")}: the file was altered.", null);
            }

            latest = checkpoint;
            if (checkpoint.Sequence == 0)
            {
                checkedCount++;
                continue;
            }

            if (checkpoint.Sequence > headSequence)
            {
                return new(checkedCount, latest,
                    $"the chain ends at #{N(headSequence)} but the checkpoint of {T(checkpoint.At)} covers #{N(checkpoint.Sequence)}: entries #{N(headSequence + 1)} to #{N(checkpoint.Sequence)} were cut from the tail.", null);
            }

            await using var command = connection.Sql(null, "SELECT hash FROM audit_log WHERE sequence = @s;").With("@s", checkpoint.Sequence);
            var hash = await command.ExecuteScalarAsync(cancellationToken) as string;
            if (!string.Equals(hash, checkpoint.HeadHash, StringComparison.Ordinal))
            {
                return new(checkedCount, latest,
                    $"entry #{N(checkpoint.Sequence)} does not carry the hash the checkpoint of {T(checkpoint.At)} signed: the chain was rewritten (hashes recomputed) up to there at least.", null);
            }

            checkedCount++;
        }

        return new(checkedCount, latest, null, null);
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string T(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
