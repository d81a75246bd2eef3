using System.Globalization;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>How the chain was found broken.</summary>
public enum AuditProblemKind
{
    /// <summary>An entry's content no longer matches its hash, or its hash was recomputed and the next entry's link no longer matches.</summary>
    Modified,

    /// <summary>Sequence numbers are missing: entries were deleted.</summary>
    Deleted,

    /// <summary>An intact entry sits at another place than the one it was written at.</summary>
    Reordered,
}

/// <summary>The first problem found, walking the chain from its start.</summary>
/// <param name="Kind">What kind of tampering.</param>
/// <param name="Sequence">The first sequence number concerned.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record AuditProblem(AuditProblemKind Kind, long Sequence, string Message);

/// <summary>Result of a verification.</summary>
/// <param name="Entries">Entries read.</param>
/// <param name="HeadSequence">Sequence of the last entry (0 when empty).</param>
/// <param name="HeadHash">Hash of the last entry: note it somewhere else, since deleting entries at the end leaves no gap.</param>
/// <param name="Problem">The first problem, or null when the chain is intact.</param>
public sealed record AuditVerification(long Entries, long HeadSequence, string HeadHash, AuditProblem? Problem)
{
    /// <summary>Whether the chain is intact.</summary>
    public bool IsIntact => Problem is null;
}

/// <summary>Walks the audit chain and reports the first modified, deleted or reordered entry.</summary>
public static class AuditVerifier
{
    /// <summary>Reads every entry in sequence order and checks sequence continuity, each hash, and each link.</summary>
    public static async Task<AuditVerification> VerifyAsync(FleetDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {AuditLog.Columns} FROM audit_log ORDER BY sequence;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        // Stored hash → stored sequence, to tell a moved entry from an altered one.
        var positions = new Dictionary<string, long>(StringComparer.Ordinal);
        var expected = 1L;
        var previousHash = AuditHash.Genesis;
        long count = 0;
        var columns = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            var entry = AuditLog.Read(columns);
            count++;
            var problem = Check(entry, expected, previousHash, positions);
            if (problem is not null)
            {
                return new AuditVerification(count, entry.Sequence, entry.Hash, problem);
            }

            positions[entry.Hash] = entry.Sequence;
            previousHash = entry.Hash;
            expected = entry.Sequence + 1;
        }

        return new AuditVerification(count, expected - 1, previousHash, null);
    }

    private static AuditProblem? Check(AuditEntry entry, long expected, string previousHash, Dictionary<string, long> positions)
    {
        if (entry.Sequence != expected)
        {
            var range = entry.Sequence - 1 == expected ? $"entry #{N(expected)} is" : $"entries #{N(expected)} to #{N(entry.Sequence - 1)} are";
            return new(AuditProblemKind.Deleted, expected, $"{range} missing: deleted.");
        }

        if (!string.Equals(AuditHash.Compute(entry), entry.Hash, StringComparison.Ordinal))
        {
            // Content intact but renumbered: the entry hashes right under the place its link points to.
            if (positions.TryGetValue(entry.PrevHash, out var linkedTo) && linkedTo + 1 != entry.Sequence
                && string.Equals(AuditHash.Compute(entry with { Sequence = linkedTo + 1 }), entry.Hash, StringComparison.Ordinal))
            {
                return new(AuditProblemKind.Reordered, entry.Sequence, $"entry stored as #{N(entry.Sequence)} was written as #{N(linkedTo + 1)}: reordered.");
            }

            if (string.Equals(entry.PrevHash, previousHash, StringComparison.Ordinal) || positions.ContainsKey(entry.PrevHash))
            {
                return new(AuditProblemKind.Modified, entry.Sequence, $"entry #{N(entry.Sequence)} does not match its hash: modified.");
            }

            return new(AuditProblemKind.Reordered, entry.Sequence, $"entry #{N(entry.Sequence)} does not match its hash and follows an entry that is not before it: moved or replaced.");
        }

        if (!string.Equals(entry.PrevHash, previousHash, StringComparison.Ordinal))
        {
            // This entry is intact, so the one before was rewritten with a recomputed hash.
            return new(AuditProblemKind.Modified, entry.Sequence - 1, $"entry #{N(entry.Sequence - 1)} was rewritten: entry #{N(entry.Sequence)} no longer links to it.");
        }

        return null;
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
