using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// The fleet's database, SQLite or PostgreSQL behind one <see cref="DbDataSource"/> and a <see cref="SqlDialect"/>. Every
/// store runs the same ADO.NET code on it.
/// </summary>
public sealed class FleetDatabase : IAsyncDisposable
{
    /// <summary>Meter of the database figures (<c>vsa.fleet.db.transaction.duration</c>).</summary>
    public const string MeterName = "Vsa.Edge.FleetManager.Storage";

    private static readonly Meter StorageMeter = new(MeterName);

    private static readonly Histogram<double> TransactionDuration = StorageMeter.CreateHistogram(
        "vsa.fleet.db.transaction.duration",
        "s",
        "Duration of the fleet's database transactions, commit included (the ingestion's batches among them).",
        tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    private readonly DbDataSource _source;

    /// <summary>Wraps an open data source (tests and tools build their own).</summary>
    public FleetDatabase(DbDataSource source, SqlDialect dialect, string description, string? sqliteFile = null)
    {
        _source = source;
        Dialect = dialect;
        Description = description;
        SqliteFile = sqliteFile;
    }

    /// <summary>The SQL differences of this engine.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>Where the data is, for logs and messages (a file path, or host/database), without credentials.</summary>
    public string Description { get; }

    /// <summary>The SQLite file, or null on PostgreSQL.</summary>
    public string? SqliteFile { get; }

    /// <summary>Builds the database from <see cref="StorageOptions"/>; relative SQLite paths are resolved against <paramref name="contentRoot"/>.</summary>
    public static FleetDatabase Create(StorageOptions options, string contentRoot)
    {
        if (options.Provider == StorageProvider.Postgres)
        {
            var builder = new NpgsqlConnectionStringBuilder(options.Postgres);

            // The ingestion runs the same few statements thousands of times: let Npgsql prepare them, unless told otherwise.
            if (!builder.ContainsKey("Max Auto Prepare"))
            {
                builder.MaxAutoPrepare = 32;
            }

            return new FleetDatabase(NpgsqlDataSource.Create(builder), PostgresDialect.Instance, $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}");
        }

        var dataDirectory = Path.GetFullPath(options.DataDirectory, contentRoot);
        var sqlite = options.Sqlite.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(options.Sqlite)
            : new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(options.Sqlite, dataDirectory) };
        sqlite.Mode = SqliteOpenMode.ReadWriteCreate;
        sqlite.Pooling = true;
        return CreateSqlite(sqlite.ToString());
    }

    /// <summary>A SQLite database from a full connection string.</summary>
    public static FleetDatabase CreateSqlite(string connectionString)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        return new FleetDatabase(SqliteFactory.Instance.CreateDataSource(connectionString), SqliteDialect.Instance, file, file);
    }

    /// <summary>A PostgreSQL database from a connection string.</summary>
    public static FleetDatabase CreatePostgres(string connectionString) =>
        Create(new StorageOptions { Provider = StorageProvider.Postgres, Postgres = connectionString }, "/");

    /// <summary>Opens a (pooled) connection.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => await _source.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it; any exception rolls it back. On SQLite the transaction
    /// takes the write lock at once (BEGIN IMMEDIATE), so read-then-write sequences cannot deadlock.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await work(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        TransactionDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("db.system", Dialect is PostgresDialect ? "postgresql" : "sqlite"));
        return result;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        if (SqliteFile is not null)
        {
            // Pooled SQLite connections keep the file open; tests delete it right after.
            SqliteConnection.ClearAllPools();
        }
    }
}
