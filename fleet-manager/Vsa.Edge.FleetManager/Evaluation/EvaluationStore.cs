using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Evaluation;

/// <summary>Reads what the evaluation needs from the <c>alerts</c> table.</summary>
public sealed class EvaluationStore(FleetDatabase database)
{
    /// <summary>The evaluation of the alerts first received in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public async Task<EvaluationReport> EvaluateAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        var alerts = new List<EvaluatedAlert>();
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            // Only the columns the counts need: a month of alerts is read in one pass without their objects.
            await using var command = connection.Sql(null, """
                SELECT event_type, device_id, camera_id, received_at, decision, decided_at FROM alerts
                WHERE received_at >= @from AND received_at < @to;
                """);
            dialect.AddTime(command, "@from", from);
            dialect.AddTime(command, "@to", to);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var c = reader.Columns(dialect);
            while (await reader.ReadAsync(cancellationToken))
            {
                bool? confirmed = c.IsNull("decision") ? null : string.Equals(c.String("decision"), "confirmed", StringComparison.Ordinal);
                alerts.Add(new EvaluatedAlert(
                    WireNames.ToEventType(c.String("event_type")),
                    c.String("device_id"),
                    c.String("camera_id"),
                    c.Time("received_at"),
                    confirmed,
                    c.TimeOrNull("decided_at")));
            }
        }

        return EvaluationCalculator.Build(from, to, alerts);
    }
}
