using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>Which database engine holds the fleet's data.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StorageProvider>))]
public enum StorageProvider
{
    /// <summary>A local SQLite file: zero set-up, one fleet-manager instance.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server: backups, replication, several readers.</summary>
    Postgres,
}

/// <summary>Storage settings, section <c>Fleet:Storage</c>. SQLite is the zero-set-up default.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Storage";

    /// <summary><see cref="StorageProvider.Sqlite"/> (default) or <see cref="StorageProvider.Postgres"/>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// Folder for the fleet manager's files, created if missing. Default <c>data</c>; a relative path is resolved against the
    /// content root (the working directory when started with <c>dotnet run</c> or <c>vsa-fleet</c>).
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The SQLite database: a file name or path (default <c>vsa-fleet.db</c>, relative to <see cref="DataDirectory"/>), or a
    /// full connection string when the value contains <c>=</c> (for example <c>Data Source=/var/lib/vsa/fleet.db</c>).
    /// </summary>
    [Required]
    public string Sqlite { get; set; } = "vsa-fleet.db";

    /// <summary>
    /// The PostgreSQL connection string, required when <see cref="Provider"/> is Postgres (for example
    /// <c>Host=db;Database=vsa_fleet;Username=vsa_fleet;Password=…</c>). No default: a password never ships in a file.
    /// </summary>
    public string? Postgres { get; set; }
}

/// <summary>Cross-field rules of <see cref="StorageOptions"/>.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (!Enum.IsDefined(options.Provider))
        {
            return ValidateOptionsResult.Fail($"{StorageOptions.SectionName}:Provider must be Sqlite or Postgres.");
        }

        if (options.Provider == StorageProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(options.Postgres))
            {
                return ValidateOptionsResult.Fail($"{StorageOptions.SectionName}:Postgres (a connection string) is required when {StorageOptions.SectionName}:Provider is Postgres.");
            }

            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(options.Postgres);
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail($"{StorageOptions.SectionName}:Postgres is not a valid connection string: {ex.Message}");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
