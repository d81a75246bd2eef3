using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>SQLite specifics of the migrations (WAL, file location); what both engines share is in the storage contract.</summary>
public sealed class MigrationRunnerTests : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-migrations-").FullName;
    private readonly FleetDatabase _database;
    private readonly MigrationRunner _runner;

    public MigrationRunnerTests()
    {
        _database = FleetDatabase.Create(new StorageOptions { DataDirectory = _directory }, "/");
        _runner = new MigrationRunner(_database, new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero)), NullLogger<MigrationRunner>.Instance);
    }

    [Fact]
    public async Task MigrateAsync_FreshFile_CreatesSchemaInWalModeAndRecordsVersion()
    {
        var version = await _runner.MigrateAsync(CancellationToken.None);

        Assert.Equal(Migrations.All.Max(m => m.Version), version);
        Assert.Equal(Path.Combine(_directory, "vsa-fleet.db"), _database.SqliteFile);
        Assert.Equal("wal", await ScalarAsync("PRAGMA journal_mode;"));
        Assert.Equal("2025-06-01T00:00:00.0000000Z", await ScalarAsync("SELECT applied_at FROM schema_version WHERE version = 1;"));
        Assert.Equal("3", await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('alerts', 'alert_messages', 'devices');"));
    }

    [Fact]
    public async Task MigrateAsync_Twice_AppliesEachStepOnce()
    {
        await _runner.MigrateAsync(CancellationToken.None);
        await _runner.MigrateAsync(CancellationToken.None);

        Assert.Equal(Migrations.All.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), await ScalarAsync("SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact]
    public async Task MigrateAsync_NewStep_AppliesOnlyTheNewOne()
    {
        await _runner.MigrateAsync(CancellationToken.None);
        var next = Migrations.All.Max(m => m.Version) + 1;

        var version = await _runner.MigrateAsync(CancellationToken.None, [.. Migrations.All, new Migration(next, "probe", "CREATE TABLE probe (id INTEGER PRIMARY KEY);")]);

        Assert.Equal(next, version);
        Assert.Equal("1", await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'probe';"));
    }

    [Fact]
    public async Task MigrateAsync_DatabaseFromNewerFleet_Refuses()
    {
        await _runner.MigrateAsync(CancellationToken.None);
        await ScalarAsync("INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'future', 'x');");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _runner.MigrateAsync(CancellationToken.None));

        Assert.Contains("999", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<string?> ScalarAsync(string sql)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
