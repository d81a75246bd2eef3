using System.Data.Common;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>
/// Alerts that arrive while a global suspension is in force: stored, with the suspension's id in
/// <c>alerts.arrived_during_suspension</c>, and not forwarded to the operators' live queue.
/// </summary>
public static class SuspendedArrivals
{
    /// <summary>Marks <paramref name="alertId"/> as arrived during suspension <paramref name="suspensionId"/> (first mark kept).</summary>
    public static async Task FlagAsync(DbConnection connection, DbTransaction transaction, string alertId, long suspensionId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "UPDATE alerts SET arrived_during_suspension = @suspension WHERE alert_id = @alert AND arrived_during_suspension IS NULL;")
            .With("@suspension", suspensionId).With("@alert", alertId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Whether an alert that started at <paramref name="startedAt"/> is withheld from the live queue now.</summary>
    public static bool Withheld(SuspensionService? suspensions, DateTimeOffset startedAt) =>
        suspensions?.GlobalSuspension is { } global && startedAt >= global.Since;

    /// <summary>The suspension an alert arrived during, or null (column <c>arrived_during_suspension</c>).</summary>
    public static async Task<long?> FindAsync(FleetDatabase database, string alertId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT arrived_during_suspension FROM alerts WHERE alert_id = @alert;").With("@alert", alertId);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
