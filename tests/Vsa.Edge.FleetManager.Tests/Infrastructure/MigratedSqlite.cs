using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>
/// A fleet database in a fresh temporary folder, SQLite, every migration applied — what a store test starts from.
/// Disposing closes the database and deletes the folder.
/// </summary>
public sealed class MigratedSqlite : IAsyncDisposable
{
    private MigratedSqlite(string directory, FleetDatabase database)
    {
        Directory = directory;
        Database = database;
    }

    /// <summary>The temporary data folder.</summary>
    public string Directory { get; }

    /// <summary>The migrated database.</summary>
    public FleetDatabase Database { get; }

    /// <summary>Creates the folder (named after <paramref name="prefix"/>) and migrates a database in it on <paramref name="clock"/>.</summary>
    public static async Task<MigratedSqlite> CreateAsync(TimeProvider clock, string prefix = "vsa-fleet-test-")
    {
        var directory = System.IO.Directory.CreateTempSubdirectory(prefix).FullName;
        var database = FleetDatabase.Create(new StorageOptions { DataDirectory = directory }, "/");
        await new MigrationRunner(database, clock, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        return new MigratedSqlite(directory, database);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
