namespace Vsa.Edge.FleetManager.Storage;

/// <summary>Registers the SQLite database and runs its migrations when the host starts.</summary>
public static class StorageExtensions
{
    /// <summary>
    /// Binds and validates <c>Fleet:Storage</c>; registers <see cref="SqliteDatabase"/>, <see cref="MigrationRunner"/> and a
    /// hosted service that creates the data folder and migrates the schema before any later hosted service (the ingestion) starts.
    /// </summary>
    public static IHostApplicationBuilder AddFleetStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SqliteDatabase>();
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<StorageInitializer>();
        return builder;
    }
}

/// <summary>Creates the data folder and migrates the database at start.</summary>
public sealed partial class StorageInitializer(SqliteDatabase database, MigrationRunner runner, ILogger<StorageInitializer> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(database.DataDirectory);
        var version = await runner.MigrateAsync(cancellationToken);
        LogReady(logger, database.FilePath, version);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Database {Database} ready at schema version {Version}")]
    private static partial void LogReady(ILogger logger, string database, int version);
}
