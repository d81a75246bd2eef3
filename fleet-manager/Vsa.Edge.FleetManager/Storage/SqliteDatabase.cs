using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>Opens connections to the fleet's SQLite database (pooled by Microsoft.Data.Sqlite).</summary>
public sealed class SqliteDatabase
{
    /// <summary>Builds the connection string from <see cref="StorageOptions"/>.</summary>
    public SqliteDatabase(IOptions<StorageOptions> options, IHostEnvironment environment)
    {
        var settings = options.Value;
        DataDirectory = Path.GetFullPath(settings.DataDirectory, environment.ContentRootPath);
        var builder = settings.Sqlite.Contains('=', StringComparison.Ordinal)
            ? new SqliteConnectionStringBuilder(settings.Sqlite)
            : new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(settings.Sqlite, DataDirectory) };
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        builder.Pooling = true;
        ConnectionString = builder.ToString();
        FilePath = builder.DataSource;
    }

    /// <summary>Absolute path of <see cref="StorageOptions.DataDirectory"/>.</summary>
    public string DataDirectory { get; }

    /// <summary>The database file (as given in the connection string).</summary>
    public string FilePath { get; }

    /// <summary>The effective connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>Opens a new (pooled) connection.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
