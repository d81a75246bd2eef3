using Microsoft.Data.Sqlite;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>Brings the database to the latest schema: WAL journal, then every step newer than <c>schema_version</c>.</summary>
public sealed partial class MigrationRunner(SqliteDatabase database, TimeProvider timeProvider, ILogger<MigrationRunner> logger)
{
    /// <summary>Applies the missing steps of <paramref name="migrations"/> (default <see cref="Migrations.All"/>) and returns the resulting version.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken, IReadOnlyList<Migration>? migrations = null)
    {
        migrations ??= Migrations.All;
        await using var connection = await database.OpenAsync(cancellationToken);

        // WAL lets the API read while the ingestion writes; the mode is stored in the file, so setting it once is enough.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection, null, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version     INTEGER PRIMARY KEY,
                description TEXT NOT NULL,
                applied_at  TEXT NOT NULL
            );
            """, cancellationToken);

        var current = await CurrentVersionAsync(connection, cancellationToken);
        var latest = migrations.Count == 0 ? 0 : migrations.Max(m => m.Version);
        if (current > latest)
        {
            throw new InvalidOperationException(
                $"The database {database.FilePath} has schema version {current}, newer than this fleet manager knows ({latest}). Run a newer vsa-fleet.");
        }

        foreach (var migration in migrations.Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_version (version, description, applied_at) VALUES ($v, $d, $t);";
                record.Parameters.AddWithValue("$v", migration.Version);
                record.Parameters.AddWithValue("$d", migration.Description);
                record.Parameters.AddWithValue("$t", DbTime.Write(timeProvider.GetUtcNow()));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LogApplied(logger, migration.Version, migration.Description, database.FilePath);
            current = migration.Version;
        }

        return current;
    }

    private static async Task<int> CurrentVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied schema step {Version} ({Description}) to {Database}")]
    private static partial void LogApplied(ILogger logger, int version, string description, string database);
}
