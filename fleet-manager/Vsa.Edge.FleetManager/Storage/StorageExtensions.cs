using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>Registers the database, runs its migrations when the host starts, and schedules the retention purge.</summary>
public static class StorageExtensions
{
    /// <summary>
    /// Binds and validates <c>Fleet:Storage</c> and <c>Fleet:Retention</c>; registers <see cref="FleetDatabase"/>,
    /// <see cref="MigrationRunner"/>, a hosted service that creates the data folder and migrates the schema before any later
    /// hosted service (the ingestion) starts, and the <see cref="RetentionService"/>.
    /// </summary>
    public static IHostApplicationBuilder AddFleetStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddFleetDatabase();
        builder.Services.AddHostedService<StorageInitializer>();
        builder.Services.AddOptions<RetentionOptions>()
            .BindConfiguration(RetentionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<RetentionPurger>();
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return builder;
    }

    /// <summary>The database and its migrations, without hosted services (the command-line tools use this).</summary>
    public static IServiceCollection AddFleetDatabase(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton(sp => FleetDatabase.Create(sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.AddSingleton<MigrationRunner>();
        return services;
    }
}

/// <summary>Creates the data folder and migrates the database at start.</summary>
public sealed partial class StorageInitializer(FleetDatabase database, MigrationRunner runner, ILogger<StorageInitializer> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.SqliteFile is { } file && Path.GetDirectoryName(file) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        var version = await runner.MigrateAsync(cancellationToken);
        LogReady(logger, database.Description, version);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 12702, Level = LogLevel.Information, Message = "Database {Database} ready at schema version {Version}")]
    private static partial void LogReady(ILogger logger, string database, int version);
}
