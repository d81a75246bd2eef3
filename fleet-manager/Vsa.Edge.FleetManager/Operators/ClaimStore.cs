using System.Data.Common;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Operators;

/// <summary>Audit actions of the operator console.</summary>
public static class OperatorAuditActions
{
    /// <summary>An operator took an alert in hand.</summary>
    public const string Claim = "alert.claim";

    /// <summary>An operator let an alert go back to nobody.</summary>
    public const string Release = "alert.release";

    /// <summary>An operator handed an alert to a colleague, with a note.</summary>
    public const string Handover = "alert.handover";
}

/// <summary>Refused claim action; the transaction rolls back and nothing of the request is stored.</summary>
public sealed class ClaimConflictException(string message) : Exception(message);

/// <summary>Claims ("Pris en charge par …") in <c>alert_claims</c>, each change audited in the same transaction.</summary>
public sealed class ClaimStore(FleetDatabase database, IAuditLog audit)
{
    /// <summary>The claims on alerts still awaiting a decision.</summary>
    public async Task<IReadOnlyList<ClaimView>> ListActiveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, """
            SELECT c.alert_id, c.claimed_by, c.claimed_at, c.handed_by, c.note
            FROM alert_claims c JOIN alerts a ON a.alert_id = c.alert_id
            WHERE a.decision IS NULL
            ORDER BY c.claimed_at, c.alert_id;
            """);
        var claims = new List<ClaimView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            claims.Add(new ClaimView(c.String("alert_id"), c.String("claimed_by"), c.Time("claimed_at"), c.StringOrNull("handed_by"), c.StringOrNull("note")));
        }

        return claims;
    }

    /// <summary>
    /// Applies one action to every alert of <paramref name="alertIds"/>, all or none: an alert decided, unknown or held by
    /// another operator throws <see cref="ClaimConflictException"/> naming it, and nothing is stored.
    /// </summary>
    public Task<IReadOnlyList<ClaimView>> ApplyAsync(string actor, string action, IReadOnlyList<string> alertIds, string? to, string? note, DateTimeOffset at, CancellationToken cancellationToken) =>
        database.InTransactionAsync<IReadOnlyList<ClaimView>>(async (connection, transaction) =>
        {
            var results = new List<ClaimView>();
            foreach (var alertId in alertIds)
            {
                var (decided, holder) = await ReadAsync(connection, transaction, alertId, cancellationToken)
                    ?? throw new ClaimConflictException($"No alert has the id '{alertId}'.");
                if (decided)
                {
                    throw new ClaimConflictException($"Alert '{alertId}' is already decided; there is nothing left to handle.");
                }

                if (holder is not null && holder != actor)
                {
                    throw new ClaimConflictException($"Alert '{alertId}' is handled by {holder}; only they can release or hand it over.");
                }

                var details = new JsonObject();
                ClaimView view;
                switch (action)
                {
                    case "release":
                        await using (var delete = connection.Sql(transaction, "DELETE FROM alert_claims WHERE alert_id = @alert_id AND claimed_by = @actor;").With("@alert_id", alertId).With("@actor", actor))
                        {
                            await delete.ExecuteNonQueryAsync(cancellationToken);
                        }

                        view = new ClaimView(alertId, null, null, null, null);
                        await audit.AppendAsync(connection, transaction, new AuditEvent(actor, OperatorAuditActions.Release, $"alert:{alertId}", details), cancellationToken);
                        break;
                    default:
                        var handover = action == "handover";
                        view = new ClaimView(alertId, handover ? to! : actor, at, handover ? actor : null, handover ? note : null);
                        if (!await UpsertAsync(connection, transaction, actor, view, cancellationToken))
                        {
                            throw new ClaimConflictException($"Alert '{alertId}' was just taken by a colleague; only they can release or hand it over.");
                        }

                        if (handover)
                        {
                            details["to"] = to;
                            details["note"] = note;
                        }

                        await audit.AppendAsync(connection, transaction, new AuditEvent(actor, handover ? OperatorAuditActions.Handover : OperatorAuditActions.Claim, $"alert:{alertId}", details), cancellationToken);
                        break;
                }

                results.Add(view);
            }

            return results;
        }, cancellationToken);

    // Conditional on the holder read above still being the actor (or nobody): two operators claiming the same alert at once
    // cannot both win, on PostgreSQL's read-committed transactions as on SQLite's serialised writer.
    private async Task<bool> UpsertAsync(DbConnection connection, DbTransaction transaction, string actor, ClaimView view, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, """
            INSERT INTO alert_claims (alert_id, claimed_by, claimed_at, handed_by, note)
            VALUES (@alert_id, @claimed_by, @claimed_at, @handed_by, @note)
            ON CONFLICT (alert_id) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at,
                handed_by = excluded.handed_by, note = excluded.note
            WHERE alert_claims.claimed_by = @actor;
            """);
        command.With("@alert_id", view.AlertId).With("@actor", actor).With("@claimed_by", view.ClaimedBy).With("@handed_by", view.HandedBy).With("@note", view.Note);
        database.Dialect.AddTime(command, "@claimed_at", view.ClaimedAt);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<(bool Decided, string? Holder)?> ReadAsync(DbConnection connection, DbTransaction transaction, string alertId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, """
            SELECT a.decision, c.claimed_by FROM alerts a LEFT JOIN alert_claims c ON c.alert_id = a.alert_id WHERE a.alert_id = @alert_id;
            """).With("@alert_id", alertId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns();
        return await reader.ReadAsync(cancellationToken) ? (!c.IsNull("decision"), c.StringOrNull("claimed_by")) : null;
    }
}
