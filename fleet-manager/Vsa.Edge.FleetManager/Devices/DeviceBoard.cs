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
    // Every device the fleet knows is a row of devices (the registry, migration 23), read as DeviceStore lists them; the
    // configuration tables are joined by primary key, for the rows of the page only.
    private const string Columns = """
        d.device_id, d.status, d.status_at, d.last_heartbeat_at, d.agent_version, d.execution_provider, d.last_health, d.first_seen_at, d.updated_at,
        c.version, r.applied_version, r.status AS reported_status, r.reported_at, NULLIF(d.board_site, '') AS site
        """;

    private const string Joined = """
        devices d
        LEFT JOIN device_config c ON c.device_id = d.device_id
        LEFT JOIN device_config_reported r ON r.device_id = d.device_id
        """;

    /// <summary>One page and the counts.</summary>
    public async Task<DeviceBoardPage> PageAsync(DeviceBoardQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (pageSql, numeric) = PageSql(query, database.Dialect);
        if (query.After is { } after && numeric && !long.TryParse(after.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new ArgumentException("The cursor was made for another sort column.", nameof(query));
        }

        await using var connection = await database.OpenAsync(cancellationToken);
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
        var (total, online, matching) = await CountAsync(connection, query, cancellationToken);
        if (query.After is not null)
        {
            // The filters' choices come with the first page only: the console keeps them while it walks the pages.
            return new(items, total, online, matching, query.Limit, next, null, null);
        }

        return new(items, total, online, matching, query.Limit, next,
            await ListAsync(connection, "SELECT DISTINCT board_site FROM devices WHERE board_site <> '' ORDER BY board_site;", cancellationToken),
            await ListAsync(connection, "SELECT DISTINCT board_model FROM devices WHERE board_model <> '' ORDER BY board_model;", cancellationToken));
    }

    /// <summary>The page's query (one more row than the limit, to tell whether a next page exists) and whether its sort value is a number.</summary>
    internal static (string Sql, bool Numeric) PageSql(DeviceBoardQuery query, SqlDialect dialect)
    {
        var (sortExpression, numeric) = DeviceBoardSql.SortOf(query.Sort);
        var conditions = Filters(query, DeviceBoardSql.For(dialect));
        if (query.After is not null)
        {
            // Keyset as a row comparison, which both engines answer from the (sort value, device id) index.
            conditions.Add($"({sortExpression}, d.device_id) {(query.Descending ? "<" : ">")} (@after_value, @after_id)");
        }

        var order = query.Descending ? "DESC" : "ASC";
        return (string.Create(CultureInfo.InvariantCulture,
            $"SELECT {Columns}, {sortExpression} AS sort_value FROM {Joined} {Where(conditions)} ORDER BY {sortExpression} {order}, d.device_id {order} LIMIT {query.Limit + 1};"), numeric);
    }

    /// <summary>
    /// The counts from devices alone, through its indexes: every device, the online ones (the status index), and the ones the
    /// filters keep (the configuration tables joined only for a filter on them); with no filter, the matching ones are all.
    /// </summary>
    internal static string CountSql(DeviceBoardQuery query, SqlDialect dialect)
    {
        var filters = Filters(query, DeviceBoardSql.For(dialect));
        var from = DeviceBoardSql.NeedsConfig(query.State) ? Joined : "devices d";
        var matching = filters.Count == 0 ? "(SELECT COUNT(*) FROM devices)" : $"(SELECT COUNT(*) FROM {from} {Where(filters)})";
        return $"SELECT (SELECT COUNT(*) FROM devices) AS total, (SELECT COUNT(*) FROM devices WHERE status = 'online') AS online, {matching} AS matching;";
    }

    private static string Where(List<string> conditions) => conditions.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", conditions);

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

    private async Task<(int Total, int Online, int Matching)> CountAsync(DbConnection connection, DeviceBoardQuery query, CancellationToken cancellationToken)
    {
        var countSql = CountSql(query, database.Dialect);
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

    // The filters, each a condition over the board's aliases. Parameters: @q, @site, @model, @expires_before, @ids.
    private static List<string> Filters(DeviceBoardQuery query, DeviceBoardSql sql)
    {
        var clauses = new List<string>();
        if (query.Search is not null)
        {
            clauses.Add(sql.Search);
        }

        if (query.Site is not null)
        {
            clauses.Add("d.board_site = @site");
        }

        if (query.Model is not null)
        {
            clauses.Add("d.board_model = @model");
        }

        if (query.ExpiringDays is not null)
        {
            clauses.Add("d.board_expires < @expires_before");
        }

        if (sql.State(query.State) is { Length: > 0 } state)
        {
            clauses.Add(state);
        }

        return clauses;
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
