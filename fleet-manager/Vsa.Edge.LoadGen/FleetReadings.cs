using System.Globalization;
using Microsoft.Data.Sqlite;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.LoadGen;

/// <summary>
/// What the fleet holds, read where it keeps it: its SQLite database (read-only, beside the running fleet) and its
/// Prometheus endpoint (<c>/metrics</c>, answered on loopback without a token).
/// </summary>
internal sealed class FleetReadings(string databaseFile, int httpPort)
{
    /// <summary>Rows of <c>device_health</c> (the heartbeat history).</summary>
    public Task<long> HeartbeatRowsAsync() => ScalarAsync("SELECT COUNT(*) FROM device_health;");

    /// <summary>Rows of <c>device_health</c> per device.</summary>
    public async Task<Dictionary<string, long>> HeartbeatRowsByDeviceAsync()
    {
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT device_id, COUNT(*) AS heartbeats FROM device_health GROUP BY device_id;";
        await using var reader = await command.ExecuteReaderAsync();
        var columns = reader.Columns();
        while (await reader.ReadAsync())
        {
            rows[columns.String("device_id")] = columns.Int64("heartbeats");
        }

        return rows;
    }

    /// <summary>How many of the devices whose id starts with <paramref name="prefix"/> have the status <paramref name="status"/>.</summary>
    public Task<long> DevicesWithStatusAsync(string prefix, string status) =>
        ScalarAsync("SELECT COUNT(*) FROM devices WHERE status = $status AND device_id LIKE $prefix || '%';", ("$status", status), ("$prefix", prefix));

    /// <summary>How many of <paramref name="deviceIds"/> have the status <paramref name="status"/>.</summary>
    public async Task<int> CountWithStatusAsync(IReadOnlyCollection<string> deviceIds, string status)
    {
        var count = 0;
        await using var connection = await OpenAsync();
        foreach (var id in deviceIds)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM devices WHERE device_id = $id AND status = $status;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$status", status);
            count += (int)(long)(await command.ExecuteScalarAsync())!;
        }

        return count;
    }

    /// <summary>
    /// The fleet's heartbeat counters (<c>vsa_fleet_messages_total{kind="health"}</c>) by outcome: accepted, coalesced (kept
    /// out of the history by <c>Fleet:Ingestion:MinHeartbeatInterval</c>, the device row still updated), stale, rejected….
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> HeartbeatCountersAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            // vsa_fleet_messages_total{kind="health",outcome="accepted",reason="",otel_scope_name="…"} 1234 1700000000000
            if (!line.StartsWith("vsa_fleet_messages_total{", StringComparison.Ordinal) || !line.Contains("kind=\"health\"", StringComparison.Ordinal))
            {
                continue;
            }

            var outcome = Label(line, "outcome") ?? "?";
            var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            counters[outcome] = counters.GetValueOrDefault(outcome) + (long)double.Parse(value, CultureInfo.InvariantCulture);
        }

        return counters;
    }

    private static string? Label(string line, string name)
    {
        var start = line.IndexOf($"{name}=\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += name.Length + 2;
        return line[start..line.IndexOf('"', start)];
    }

    private async Task<long> ScalarAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<SqliteConnection> OpenAsync()
    {
        var connection = new SqliteConnection($"Data Source={databaseFile};Mode=ReadOnly");
        await connection.OpenAsync();
        return connection;
    }
}
