using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// The device board, a page at a time, from the database: filtered and sorted by the engine and continued after the last
/// row seen (keyset), so that a fleet of ten thousand devices sends the console one page and the counts, not every row.
/// </summary>
public sealed class DeviceBoard(FleetDatabase database, DeviceConditionsState conditions, TimeProvider time)
{
    // Every device the fleet knows, as DeviceStore lists them (columns 0 to 13 in ReadView's order); the active certificate
    // is folded to one row per device (a renewal in flight has two active) so that keyset paging never sees a device twice.
    private const string Base = """
        WITH known AS (
            SELECT device_id FROM devices
            UNION SELECT device_id FROM device_config
            UNION SELECT device_id FROM device_certificates WHERE revoked_at IS NULL
        )
        SELECT k.device_id, d.status, d.status_at, d.last_heartbeat_at, d.agent_version, d.execution_provider, d.last_health, d.first_seen_at, d.updated_at,
               c.version, r.applied_version, r.status AS reported_status, r.reported_at, t.site{0}
        FROM known k
        LEFT JOIN devices d ON d.device_id = k.device_id
        LEFT JOIN device_config c ON c.device_id = k.device_id
        LEFT JOIN device_config_reported r ON r.device_id = k.device_id
        LEFT JOIN (SELECT device_id, MIN(site) AS site, MAX(not_after) AS not_after FROM device_certificates WHERE revoked_at IS NULL GROUP BY device_id) t
            ON t.device_id = k.device_id
        """;

    /// <summary>One page and the counts.</summary>
    public async Task<DeviceBoardPage> PageAsync(DeviceBoardQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = DeviceBoardSql.For(database.Dialect);
        var (sortExpression, numeric) = sql.SortOf(query.Sort);
        var filter = Filter(query, sql);
        if (query.After is { } after && numeric && !long.TryParse(after.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new ArgumentException("The cursor was made for another sort column.", nameof(query));
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var order = query.Descending ? "DESC" : "ASC";
        var keyset = query.After is null
            ? string.Empty
            : $"WHERE (b.sort_value {(query.Descending ? "<" : ">")} @after_value OR (b.sort_value = @after_value AND b.device_id {(query.Descending ? "<" : ">")} @after_id))";
        var pageSql = string.Create(CultureInfo.InvariantCulture,
            $"SELECT * FROM ({With($", {sortExpression} AS sort_value")} {filter}) b {keyset} ORDER BY b.sort_value {order}, b.device_id {order} LIMIT {query.Limit + 1};");
        var items = new List<DeviceView>(query.Limit);
        string? lastValue = null;
        var more = false;
        await using (var command = Bind(connection.Sql(null, pageSql), query))
        {
            if (query.After is { } cursor)
            {
                if (numeric)
                {
                    command.With("@after_value", long.Parse(cursor.Value, CultureInfo.InvariantCulture));
                }
                else
                {
                    command.With("@after_value", cursor.Value);
                }

                command.With("@after_id", cursor.DeviceId);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var columns = reader.Columns(database.Dialect);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (items.Count == query.Limit)
                {
                    more = true;
                    break;
                }

                items.Add(DeviceStore.ReadView(columns));
                lastValue = numeric ? columns.Int64("sort_value").ToString(CultureInfo.InvariantCulture) : columns.String("sort_value");
            }
        }

        var next = more ? new DeviceBoardCursor(lastValue!, items[^1].DeviceId).ToString() : null;
        var (total, online, matching) = await CountAsync(connection, query, sql, filter, cancellationToken);
        if (query.After is not null)
        {
            // The filters' choices come with the first page only: the console keeps them while it walks the pages.
            return new(items, total, online, matching, query.Limit, next, null, null);
        }

        return new(items, total, online, matching, query.Limit, next,
            await ListAsync(connection, "SELECT DISTINCT site FROM device_certificates WHERE revoked_at IS NULL ORDER BY site;", cancellationToken),
            await ListAsync(connection, "SELECT DISTINCT board_model FROM devices WHERE board_model IS NOT NULL ORDER BY board_model;", cancellationToken));
    }

    // The board's rows with one more column (the sort value, whether a row matches the filters).
    private static string With(string column) => Base.Replace("{0}", column, StringComparison.Ordinal);

    /// <summary>Every enrolled device's site, for the queue's labels.</summary>
    public async Task<IReadOnlyList<DeviceSite>> SitesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT device_id, MIN(site) AS site FROM device_certificates WHERE revoked_at IS NULL GROUP BY device_id ORDER BY device_id;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        var sites = new List<DeviceSite>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sites.Add(new(columns.String("device_id"), columns.String("site")));
        }

        return sites;
    }

    private async Task<(int Total, int Online, int Matching)> CountAsync(DbConnection connection, DeviceBoardQuery query, DeviceBoardSql sql, string filter, CancellationToken cancellationToken)
    {
        var where = filter.Length == 0 ? "1 = 1" : filter["WHERE ".Length..];
        var countSql = $"SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN b.status = 'online' THEN 1 ELSE 0 END), 0) AS online, COALESCE(SUM(CASE WHEN {sql.IsTrue("b.matches")} THEN 1 ELSE 0 END), 0) AS matching FROM ({With($", ({where}) AS matches")}) b;";

        await using var command = Bind(connection.Sql(null, countSql), query);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        int Count(string column) => Convert.ToInt32(reader.GetValue(columns.Ordinal(column)), CultureInfo.InvariantCulture);
        return (Count("total"), Count("online"), Count("matching"));
    }

    private static async Task<IReadOnlyList<string>> ListAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(null, sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(0) && reader.GetString(0) is { Length: > 0 } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    // The filters as one WHERE clause over the board's aliases; empty when none. Parameters: @q, @site, @model, @expires_before, @ids.
    private static string Filter(DeviceBoardQuery query, DeviceBoardSql sql)
    {
        var clauses = new List<string>();
        if (query.Search is not null)
        {
            clauses.Add($"({sql.Contains("k.device_id")} OR (t.site IS NOT NULL AND {sql.Contains("t.site")}) OR {sql.CameraMatches})");
        }

        if (query.Site is not null)
        {
            clauses.Add("t.site = @site");
        }

        if (query.Model is not null)
        {
            clauses.Add($"{DeviceBoardSql.Model} = @model");
        }

        if (query.ExpiringDays is not null)
        {
            clauses.Add("t.not_after < @expires_before");
        }

        clauses.Add(query.State switch
        {
            "online" => "d.status = 'online'",
            "offline" => "d.status IS NOT NULL AND d.status <> 'online'",
            "never" => "d.status IS NULL",
            "stopped" => $"{DeviceBoardSql.StoppedCameras} > 0",
            "suspended" => $"({DeviceBoardSql.DeviceSuspended} OR {DeviceBoardSql.SuspendedCameras} > 0)",
            "drift" => "c.version IS NOT NULL AND (r.status IS NULL OR r.status = 'rejected' OR r.applied_version IS NULL OR r.applied_version <> c.version)",
            "attention" => sql.IdIn,
            _ => string.Empty,
        });
        clauses.RemoveAll(c => c.Length == 0);
        return clauses.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", clauses);
    }

    // Devices whose events say the enclosure is open, maintenance is on or a camera is offline, as a JSON array of ids.
    private string AttentionIds()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var c in conditions.List().Where(c => c.Tamper || c.Maintenance || c.CamerasOffline.Count > 0))
            {
                writer.WriteStringValue(c.DeviceId);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private DbCommand Bind(DbCommand command, DeviceBoardQuery query)
    {
        if (query.Search is not null)
        {
            command.With("@q", query.Search);
        }

        if (query.Site is not null)
        {
            command.With("@site", query.Site);
        }

        if (query.Model is not null)
        {
            command.With("@model", query.Model);
        }

        if (query.ExpiringDays is { } days)
        {
            database.Dialect.AddTime(command, "@expires_before", time.GetUtcNow().AddDays(days));
        }

        if (query.State == "attention")
        {
            database.Dialect.AddJson(command, "@ids", AttentionIds());
        }

        return command;
    }
}
