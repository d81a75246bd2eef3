using System.Data.Common;
using System.Text;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>
/// Reads back every row the ingestion may have written and says what is invalid in it: numbers not finite, timestamps outside
/// the window, enum columns holding something else than a wire name, stored payloads the strict decoder would refuse.
/// </summary>
public static class StoredRows
{
    /// <summary>The problems found (empty when every row is valid), and how many rows were read.</summary>
    /// <param name="database">The fleet's database.</param>
    /// <param name="messages">The window of alerts and heartbeats (<see cref="IngestionOptions.WindowFor"/>).</param>
    /// <param name="retained">The window of statuses and configuration reports.</param>
    public static async Task<(List<string> Problems, int Rows)> AuditAsync(FleetDatabase database, TimeWindow messages, TimeWindow retained)
    {
        var problems = new List<string>();
        var rows = 0;
        var eventTypes = Enum.GetValues<EventType>().Select(WireNames.Of).ToHashSet();
        var states = Enum.GetValues<AlertState>().Select(WireNames.Of).ToHashSet();
        var deviceStates = Enum.GetValues<DeviceState>().Select(WireNames.Of).ToHashSet();
        await using var connection = await database.OpenAsync(CancellationToken.None);

        rows += await ReadAsync(connection, "SELECT alert_id, device_id, event_type, state, started_at, observed_at, ended_at, confidence, measurement_value, objects FROM alerts;", r =>
        {
            var id = r.GetString(0);
            Check(eventTypes.Contains(r.GetString(2)), $"alert {id}: event_type {r.GetString(2)}");
            Check(states.Contains(r.GetString(3)), $"alert {id}: state {r.GetString(3)}");
            Check(messages.Contains(database.Dialect.ReadTime(r, 4)) && messages.Contains(database.Dialect.ReadTime(r, 5)), $"alert {id}: started/observed out of window");
            Check(r.IsDBNull(6) || messages.Contains(database.Dialect.ReadTime(r, 6)), $"alert {id}: ended_at out of window");
            Check(double.IsFinite(r.GetDouble(7)) && r.GetDouble(7) is >= 0 and <= 1, $"alert {id}: confidence {r.GetDouble(7)}");
            Check(r.IsDBNull(8) || double.IsFinite(r.GetDouble(8)), $"alert {id}: measurement");
            Check(JsonSerializer.Deserialize(r.GetString(9), Vsa.Edge.FleetManager.Api.FleetJsonContext.Default.IReadOnlyListAlertObject) is { } objects
                && objects.All(o => o.Box.All(double.IsFinite) && double.IsFinite(o.Score)), $"alert {id}: objects");
        });
        rows += await ReadAsync(connection, "SELECT device_id, payload FROM alert_messages;", r =>
            Check(PayloadDecoder.DecodeAlert(Encoding.UTF8.GetBytes(r.GetString(1)), r.GetString(0), messages).IsAccepted, $"alert message of {r.GetString(0)}: {r.GetString(1)}"));
        rows += await ReadAsync(connection, "SELECT device_id, status, status_at, last_heartbeat_at, last_health FROM devices;", r =>
        {
            var id = r.GetString(0);
            Check(deviceStates.Contains(r.GetString(1)), $"device {id}: status {r.GetString(1)}");
            Check(r.IsDBNull(2) || retained.Contains(database.Dialect.ReadTime(r, 2)), $"device {id}: status_at out of window");
            Check(r.IsDBNull(3) || messages.Contains(database.Dialect.ReadTime(r, 3)), $"device {id}: last_heartbeat_at out of window");
            Check(r.IsDBNull(4) || PayloadDecoder.DecodeHealth(Encoding.UTF8.GetBytes(r.GetString(4)), id, messages).IsAccepted, $"device {id}: last_health {r.GetStringOrNull(4)}");
        });
        rows += await ReadAsync(connection, "SELECT device_id, payload FROM device_health;", r =>
            Check(PayloadDecoder.DecodeHealth(Encoding.UTF8.GetBytes(r.GetString(1)), r.GetString(0), messages).IsAccepted, $"heartbeat of {r.GetString(0)}: {r.GetString(1)}"));
        rows += await ReadAsync(connection, "SELECT device_id, payload FROM device_config_reported;", r =>
            Check(PayloadDecoder.DecodeConfigReported(Encoding.UTF8.GetBytes(r.GetString(1)), r.GetString(0), retained).IsAccepted, $"report of {r.GetString(0)}: {r.GetString(1)}"));
        return (problems, rows);

        void Check(bool valid, string problem)
        {
            if (!valid)
            {
                problems.Add(problem);
            }
        }
    }

    private static async Task<int> ReadAsync(DbConnection connection, string sql, Action<DbDataReader> row)
    {
        await using var command = connection.Sql(null, sql);
        await using var reader = await command.ExecuteReaderAsync();
        var count = 0;
        while (await reader.ReadAsync())
        {
            row(reader);
            count++;
        }

        return count;
    }
}
