using System.Globalization;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// Timestamps are stored as fixed-width UTC text (<c>2025-06-01T08:30:00.0000000Z</c>): readable with the sqlite3 shell, and
/// ordered correctly by plain text comparison, which the <c>since</c> filters and indexes rely on.
/// </summary>
public static class DbTime
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <summary>Formats a timestamp for storage.</summary>
    public static string Write(DateTimeOffset value) => value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Formats an optional timestamp for storage.</summary>
    public static object WriteOrNull(DateTimeOffset? value) => value is { } v ? Write(v) : DBNull.Value;

    /// <summary>Reads a stored timestamp.</summary>
    public static DateTimeOffset Read(string value) =>
        DateTimeOffset.ParseExact(value, Format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
