using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>
/// The append-only, hash-chained audit log (AI Act arts. 12, 19, 26: who did what, when). Entries are only ever added;
/// the database refuses UPDATE and DELETE on the table, and <see cref="AuditVerifier"/> detects a change made anyway.
/// </summary>
public interface IAuditLog
{
    /// <summary>Records <paramref name="auditEvent"/> in its own transaction and returns the stored entry.</summary>
    Task<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Records <paramref name="auditEvent"/> inside the caller's transaction, so that the change and its record commit or roll
    /// back together. The transaction holds the audit log's write lock until it ends: keep it short.
    /// </summary>
    Task<AuditEntry> AppendAsync(DbConnection connection, DbTransaction transaction, AuditEvent auditEvent, CancellationToken cancellationToken);

    /// <summary>Entries after <paramref name="afterSequence"/>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken);
}

/// <summary>The audit log in the fleet database (table <c>audit_log</c>).</summary>
public sealed class AuditLog(FleetDatabase database, TimeProvider timeProvider) : IAuditLog
{
    internal const string Columns = "sequence, at, actor, action, target, details, prev_hash, hash";

    // Accented letters stay readable in the stored details ("arrêté", not "arr\u00EAt\u00E9"); HTML-sensitive ones are still escaped.
    private static readonly JsonSerializerOptions DetailsFormat = new() { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    /// <summary>Longest actor, action or target accepted.</summary>
    public const int MaxNameLength = 256;

    /// <inheritdoc />
    public Task<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken) =>
        database.InTransactionAsync((connection, transaction) => AppendAsync(connection, transaction, auditEvent, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public async Task<AuditEntry> AppendAsync(DbConnection connection, DbTransaction transaction, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        Check(auditEvent.Actor, nameof(auditEvent.Actor), allowEmpty: false);
        Check(auditEvent.Action, nameof(auditEvent.Action), allowEmpty: false);
        Check(auditEvent.Target, nameof(auditEvent.Target), allowEmpty: true);

        var dialect = database.Dialect;
        var lockSql = dialect.LockTableSql("audit_log");
        if (lockSql.Length > 0)
        {
            await using var lockCommand = connection.Sql(transaction, lockSql);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        long previous = 0;
        var prevHash = AuditHash.Genesis;
        await using (var last = connection.Sql(transaction, "SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1;"))
        await using (var reader = await last.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                var c = reader.Columns();
                previous = c.Int64("sequence");
                prevHash = c.String("hash");
            }
        }

        var at = SqlDialect.Normalise(timeProvider.GetUtcNow());
        var details = auditEvent.Details?.ToJsonString(DetailsFormat) ?? "{}";
        var sequence = previous + 1;
        var entry = new AuditEntry(sequence, at, auditEvent.Actor, auditEvent.Action, auditEvent.Target, details, prevHash,
            AuditHash.Compute(sequence, at, auditEvent.Actor, auditEvent.Action, auditEvent.Target, details, prevHash));

        await using var insert = connection.Sql(transaction, $"INSERT INTO audit_log ({Columns}) VALUES (@s, @at, @actor, @action, @target, @details, @prev, @hash);");
        insert.With("@s", entry.Sequence).With("@actor", entry.Actor).With("@action", entry.Action).With("@target", entry.Target)
            .With("@details", entry.Details).With("@prev", entry.PrevHash).With("@hash", entry.Hash);
        dialect.AddTime(insert, "@at", entry.At);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return entry;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(long afterSequence, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM audit_log WHERE sequence > @after ORDER BY sequence LIMIT @limit;")
            .With("@after", afterSequence).With("@limit", limit);
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(Read(columns));
        }

        return entries;
    }

    internal static AuditEntry Read(NamedColumns r) => new(
        r.Int64("sequence"), r.Time("at"), r.String("actor"), r.String("action"), r.String("target"), r.String("details"), r.String("prev_hash"), r.String("hash"));

    private static void Check(string value, string name, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if ((!allowEmpty && value.Length == 0) || value.Length > MaxNameLength)
        {
            throw new ArgumentException($"{name} must be {(allowEmpty ? string.Empty : "non-empty and ")}at most {MaxNameLength} characters.", name);
        }
    }
}
