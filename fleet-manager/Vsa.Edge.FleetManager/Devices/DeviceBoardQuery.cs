using System.Globalization;
using System.Text;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// One page of the device board asked for by <c>GET /api/devices/board</c>: sorted by one column (ties broken by device
/// id), filtered, and continued after a cursor (keyset paging: the page after the last row seen, never an OFFSET).
/// </summary>
/// <param name="Sort">The column (<see cref="DeviceBoardQuery.SortKeys"/>); "device" (site, then id) by default.</param>
/// <param name="Descending">Reverse order.</param>
/// <param name="Limit">Rows per page, 1 to <see cref="DeviceBoardQuery.MaxLimit"/> (default <see cref="DeviceBoardQuery.DefaultLimit"/>).</param>
/// <param name="After">Cursor of the last row of the previous page (<see cref="DeviceBoardPage.Next"/>); null for the first page.</param>
/// <param name="Search">Text searched in the device id, its site and its camera ids (case-insensitive); null for none.</param>
/// <param name="State">One of <see cref="DeviceBoardQuery.States"/>; null for every state.</param>
/// <param name="Site">Exactly this enrolment site; null for every site.</param>
/// <param name="Model">Exactly this model ("id version", as the board shows it); null for every model.</param>
/// <param name="ExpiringDays">Only devices whose active certificate expires within this many days; null for no such filter.</param>
public sealed record DeviceBoardQuery(
    string Sort = "device",
    bool Descending = false,
    int Limit = DeviceBoardQuery.DefaultLimit,
    DeviceBoardCursor? After = null,
    string? Search = null,
    string? State = null,
    string? Site = null,
    string? Model = null,
    int? ExpiringDays = null)
{
    /// <summary>Rows per page when not asked.</summary>
    public const int DefaultLimit = 50;

    /// <summary>Most rows per page.</summary>
    public const int MaxLimit = 200;

    /// <summary>Most days ahead for the expiring-certificate filter.</summary>
    public const int MaxExpiringDays = 3650;

    /// <summary>Columns the board sorts by (the enclosure column is not one: device conditions are held in memory, not stored).</summary>
    public static IReadOnlyList<string> SortKeys { get; } = ["device", "status", "heartbeat", "cameras", "provider", "outbox", "model", "config", "agent"];

    /// <summary>States the board filters by, as the console names them.</summary>
    public static IReadOnlyList<string> States { get; } = ["online", "offline", "never", "stopped", "suspended", "drift", "attention"];

    /// <summary>Reads the query string; on bad input returns the errors by parameter name, each naming what is wrong.</summary>
    public static DeviceBoardQuery Parse(IQueryCollection query, out Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(query);
        errors = [];
        var sort = Text(query, "sort") ?? "device";
        if (!SortKeys.Contains(sort, StringComparer.Ordinal))
        {
            errors["sort"] = [$"Unknown sort column '{sort}'; expected one of {string.Join(", ", SortKeys)}."];
        }

        var descending = Text(query, "dir") switch
        {
            null or "asc" => false,
            "desc" => true,
            var other => Fail(errors, "dir", $"'{other}' is not a direction; expected asc or desc.", false),
        };
        var limit = Number(query, "limit", 1, MaxLimit, errors) ?? DefaultLimit;
        var state = Text(query, "state");
        if (state is not null && !States.Contains(state, StringComparer.Ordinal))
        {
            errors["state"] = [$"Unknown state '{state}'; expected one of {string.Join(", ", States)}."];
        }

        DeviceBoardCursor? after = null;
        if (Text(query, "after") is { } cursor && !DeviceBoardCursor.TryParse(cursor, out after))
        {
            errors["after"] = ["The cursor is not one this fleet handed out (take it from the previous page's 'next')."];
        }

        var search = Text(query, "q");
        if (search is { Length: > 100 })
        {
            errors["q"] = ["The search text is longer than 100 characters."];
        }

        return new(sort, descending, limit, after, search?.ToLowerInvariant(), state, Text(query, "site"), Text(query, "model"),
            Number(query, "expiringDays", 1, MaxExpiringDays, errors));
    }

    private static string? Text(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[^1]) ? values[^1]!.Trim() : null;

    private static int? Number(IQueryCollection query, string name, int min, int max, Dictionary<string, string[]> errors)
    {
        if (Text(query, name) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [$"'{text}' is not a whole number from {min} to {max}."];
        return null;
    }

    private static T Fail<T>(Dictionary<string, string[]> errors, string name, string message, T value)
    {
        errors[name] = [message];
        return value;
    }
}

/// <summary>Where a page ends: the sort value and the device id of its last row, opaque to the client ("value.id", base64url each).</summary>
/// <param name="Value">The sort column's value of the last row, as text (a number for numeric columns).</param>
/// <param name="DeviceId">The last row's device id, the tie-breaker.</param>
public sealed record DeviceBoardCursor(string Value, string DeviceId)
{
    /// <summary>The cursor as the client passes it back.</summary>
    public override string ToString() => $"{Encode(Value)}.{Encode(DeviceId)}";

    /// <summary>Reads a cursor; false when it is not one <see cref="ToString"/> wrote.</summary>
    public static bool TryParse(string text, out DeviceBoardCursor? cursor)
    {
        cursor = null;
        var parts = (text ?? string.Empty).Split('.');
        if (parts.Length != 2 || Decode(parts[0]) is not { } value || Decode(parts[1]) is not { Length: > 0 } id)
        {
            return false;
        }

        cursor = new(value, id);
        return true;
    }

    private static string Encode(string value) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Decode(string text)
    {
        if (text.Length > 1000)
        {
            return null;
        }

        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var written) ? Encoding.UTF8.GetString(bytes, 0, written) : null;
    }
}

/// <summary>One page of the device board with the fleet's counts.</summary>
/// <param name="Items">The rows of this page, in order.</param>
/// <param name="Total">Devices the fleet knows.</param>
/// <param name="Online">Of those, online now.</param>
/// <param name="Matching">Devices the filters keep (every page together).</param>
/// <param name="Limit">Rows per page asked for.</param>
/// <param name="Next">Cursor of the next page; null on the last one.</param>
/// <param name="Sites">Enrolment sites known, for the site filter; null on pages after the first.</param>
/// <param name="Models">Models the devices reported ("id version"), for the model filter; null on pages after the first.</param>
public sealed record DeviceBoardPage(
    IReadOnlyList<DeviceView> Items,
    int Total,
    int Online,
    int Matching,
    int Limit,
    string? Next,
    IReadOnlyList<string>? Sites,
    IReadOnlyList<string>? Models);

/// <summary>A device's enrolment site, for the labels of the alert queue ("site (device)").</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Site">Its active certificate's site.</param>
public sealed record DeviceSite(string DeviceId, string Site);
