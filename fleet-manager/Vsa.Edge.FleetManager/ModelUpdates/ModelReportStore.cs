using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>
/// The newest model report of each device (<c>model_reports</c>), newest by the device's <c>at</c>: the report is retained on
/// the broker, so every reconnection delivers it again, and an older one arriving late never replaces a newer one.
/// </summary>
public sealed class ModelReportStore(FleetDatabase database) : IModelReports
{
    /// <summary>Records <paramref name="report"/> in the caller's transaction unless an equal or newer one is held; true when stored.</summary>
    public async Task<bool> ApplyAsync(DbConnection connection, DbTransaction transaction, ModelReportedMessage report, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var command = connection.Sql(transaction, """
            INSERT INTO model_reports (device_id, reported_at, received_at, payload) VALUES (@device_id, @at, @received, @payload)
            ON CONFLICT (device_id) DO UPDATE SET reported_at = excluded.reported_at, received_at = excluded.received_at, payload = excluded.payload
            WHERE excluded.reported_at > model_reports.reported_at;
            """);
        command.With("@device_id", report.DeviceId).With("@payload", JsonSerializer.Serialize(report, ContractsJsonContext.Default.ModelReportedMessage));
        database.Dialect.AddTime(command, "@at", report.At);
        database.Dialect.AddTime(command, "@received", receivedAt);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>The newest report of <paramref name="deviceId"/> with when it was received; null when it never reported.</summary>
    public async Task<(ModelReportedMessage Report, DateTimeOffset ReceivedAt)?> FindAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT payload, received_at FROM model_reports WHERE device_id = @device_id;").With("@device_id", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(database.Dialect);
        return await reader.ReadAsync(cancellationToken) ? (Parse(c.String("payload")), c.Time("received_at")) : null;
    }

    /// <inheritdoc />
    public async Task<ModelReportedMessage?> LatestAsync(string deviceId, CancellationToken cancellationToken) =>
        (await FindAsync(deviceId, cancellationToken))?.Report;

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, ModelReportedMessage>> LatestAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        var result = new Dictionary<string, ModelReportedMessage>(StringComparer.Ordinal);
        if (deviceIds.Count == 0)
        {
            return result;
        }

        var wanted = deviceIds.ToHashSet(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);

        // One read of the table (a row per device): simpler than an IN list of any length on both engines.
        await using var command = connection.Sql(null, "SELECT device_id, payload FROM model_reports;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = columns.String("device_id");
            if (wanted.Contains(id))
            {
                result[id] = Parse(columns.String("payload"));
            }
        }

        return result;
    }

    private static ModelReportedMessage Parse(string payload) =>
        JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.ModelReportedMessage) ?? throw new InvalidDataException("A stored model report is null.");
}
