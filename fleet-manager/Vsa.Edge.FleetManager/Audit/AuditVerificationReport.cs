using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>
/// What <c>vsa-fleet audit verify</c> says, for the auditor's page: the chain walked from its start, then (only when the
/// chain is intact on its own, as the command does) the chain against the signed checkpoints kept outside the database.
/// </summary>
/// <param name="Intact">Whether both verdicts found nothing.</param>
/// <param name="Chain">The walk of the chain.</param>
/// <param name="Checkpoints">The checkpoint verdict, or null when the chain is already broken.</param>
/// <param name="CheckpointFile">The checkpoint file the fleet reads.</param>
public sealed record AuditVerificationReport(bool Intact, AuditVerification Chain, AuditCheckpointVerification? Checkpoints, string CheckpointFile)
{
    /// <summary>Maps <c>GET /api/audit/verification</c> on the audit group (administrators and auditors).</summary>
    public static RouteHandlerBuilder Map(RouteGroupBuilder audit) =>
        audit.MapGet("/verification", async (FleetDatabase database, AuditCheckpoints checkpoints, CancellationToken ct) => TypedResults.Ok(await BuildAsync(database, checkpoints, ct)))
            .WithName("VerifyAuditLogAndCheckpoints");

    /// <summary>Runs both verifications.</summary>
    public static async Task<AuditVerificationReport> BuildAsync(FleetDatabase database, AuditCheckpoints checkpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var chain = await AuditVerifier.VerifyAsync(database, cancellationToken);
        if (chain.Problem is not null)
        {
            return new(false, chain, null, checkpoints.FilePath);
        }

        var against = await AuditCheckpointVerifier.VerifyAsync(database, checkpoints.FilePath, checkpoints.KeyPath, chain.HeadSequence, cancellationToken);
        return new(against.Problem is null, chain, against, checkpoints.FilePath);
    }
}
