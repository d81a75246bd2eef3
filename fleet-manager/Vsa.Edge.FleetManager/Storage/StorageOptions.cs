using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>Storage settings, section <c>Fleet:Storage</c>. SQLite is the zero-set-up default; PostgreSQL comes later.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Storage";

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
}
