using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Operators;

/// <summary>One observation of an alert's objects: what its start, update or end message carried.</summary>
/// <param name="Sequence">The message's sequence (0 is the start: where the objects were when the alert fired).</param>
/// <param name="ObservedAt">Frame time of the observation.</param>
/// <param name="Objects">The objects' boxes, normalised to the frame.</param>
public sealed record TrackPoint(int Sequence, DateTimeOffset ObservedAt, IReadOnlyList<AlertObject> Objects);

/// <summary>
/// The path of an alert's objects, from the messages the fleet stored (<c>alert_messages</c>), for the detail drawing:
/// metadata only, the boxes the device already sent.
/// </summary>
public sealed class AlertTrackReader(FleetDatabase database)
{
    /// <summary>Most observations returned (the earliest ones, the start first).</summary>
    public const int MaxPoints = 500;

    /// <summary>The observations of <paramref name="alertId"/> in sequence order; empty when unknown.</summary>
    public async Task<IReadOnlyList<TrackPoint>> ReadAsync(string alertId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, """
            SELECT payload FROM alert_messages WHERE alert_id = @alert_id ORDER BY sequence LIMIT @limit;
            """).With("@alert_id", alertId).With("@limit", MaxPoints);
        var points = new List<TrackPoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            // Stored by the ingestion after its checks; a row that no longer reads is skipped, not fatal to the drawing.
            try
            {
                if (JsonSerializer.Deserialize(columns.String("payload"), ContractsJsonContext.Default.AlertMessage) is { } message)
                {
                    points.Add(new TrackPoint(message.Sequence, message.ObservedAt, message.Objects));
                }
            }
            catch (JsonException)
            {
            }
        }

        return points;
    }
}
