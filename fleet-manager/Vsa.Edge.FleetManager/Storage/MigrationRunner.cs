using System.Data.Common;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// Brings the database to the latest schema: every step newer than <c>schema_version</c>, each in its own transaction with
/// its version record. Several fleet managers starting at once on one PostgreSQL database queue on a lock and re-read the
/// version, so each step runs once.
/// </summary>
public sealed partial class MigrationRunner(FleetDatabase database, TimeProvider timeProvider, ILogger<MigrationRunner> logger)
{
    /// <summary>Applies the missing steps of <paramref name="migrations"/> (default <see cref="Migrations.All"/>) and returns the resulting version.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken, IReadOnlyList<Migration>? migrations = null)
    {
        migrations ??= Migrations.All;
        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(cancellationToken);
        if (dialect.Provider == StorageProvider.Sqlite)
        {
            // WAL lets the API read while the ingestion writes; the mode is stored in the file, so setting it once is enough.
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await ExecuteAsync(connection, null, dialect.Expand("""
            CREATE TABLE IF NOT EXISTS schema_version (
                version     INTEGER PRIMARY KEY,
                description TEXT NOT NULL,
                applied_at  {time} NOT NULL
            );
            """), cancellationToken);

        var latest = migrations.Count == 0 ? 0 : migrations.Max(m => m.Version);
        var current = await CurrentVersionAsync(connection, null, cancellationToken);
        CheckNotNewer(current, latest);
        foreach (var migration in migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var lockSql = dialect.LockTableSql("schema_version");
            if (lockSql.Length > 0)
            {
                await ExecuteAsync(connection, transaction, lockSql, cancellationToken);
            }

            // Another instance may have applied it while this one waited for the lock.
            current = await CurrentVersionAsync(connection, transaction, cancellationToken);
            CheckNotNewer(current, latest);
            if (current >= migration.Version)
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, migration.ScriptFor(dialect), cancellationToken);
            await using (var record = connection.Sql(transaction, "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @t);"))
            {
                record.With("@v", migration.Version).With("@d", migration.Description);
                dialect.AddTime(record, "@t", timeProvider.GetUtcNow());
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LogApplied(logger, migration.Version, migration.Description, database.Description);
            current = migration.Version;
        }

        return current;
    }

    /// <summary>The schema version of the database, 0 when it has none (a fresh or foreign database).</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            return await CurrentVersionAsync(connection, null, cancellationToken);
        }
        catch (DbException)
        {
            // No schema_version table: nothing of ours is there.
            return 0;
        }
    }

    private void CheckNotNewer(int current, int latest)
    {
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"The database {database.Description} has schema version {current}, newer than this fleet manager knows ({latest}). Run a newer vsa-fleet.");
        }
    }

    private static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version;");
        return (int)await command.ScalarInt64Async(cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, sql);

        // No time limit (the driver's default is 30 s): a step that rewrites a table (26) takes as long as copying it, about
        // 7.6 s per 500,000 alert messages on PostgreSQL here, and an instance starting meanwhile waits for the lock on
        // schema_version as long. Cut short, the step rolls back and the next start would fail the same way. Stopping the
        // fleet manager still cancels it.
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 12701, Level = LogLevel.Information, Message = "Applied schema step {Version} ({Description}) to {Database}")]
    private static partial void LogApplied(ILogger logger, int version, string description, string database);
}
