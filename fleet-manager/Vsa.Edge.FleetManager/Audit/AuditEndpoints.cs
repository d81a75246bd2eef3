using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>Registers the audit log and maps its read endpoints.</summary>
public static class AuditEndpoints
{
    /// <summary>Largest page of <c>GET /api/audit</c>.</summary>
    public const int MaxLimit = 1000;

    /// <summary>Registers <see cref="IAuditLog"/> and <see cref="AuditCheckpoints"/>; binds and validates <c>Fleet:Audit</c>.</summary>
    public static IServiceCollection AddFleetAudit(this IServiceCollection services)
    {
        services.AddSingleton<AuditLog>();
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditLog>());
        services.AddOptions<AuditCheckpointOptions>()
            .BindConfiguration(AuditCheckpointOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<AuditCheckpoints>();
        return services;
    }

    /// <summary>Registers <see cref="IAuditLog"/> and the periodic checkpoints on the host.</summary>
    public static IHostApplicationBuilder AddFleetAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddFleetAudit();
        builder.Services.AddHostedService<AuditCheckpointService>();
        return builder;
    }

    /// <summary>
    /// Maps <c>GET /api/audit?after=&amp;limit=</c> (entries oldest first, paged by sequence) and <c>GET /api/audit/verify</c>
    /// (walks the chain) and <c>GET /api/audit/verification</c> (the chain, then its checkpoints), for administrators and auditors, and <c>POST /api/audit/checkpoints</c> (administrators: sign and
    /// append a checkpoint of the head now; 409 when the chain does not extend the last checkpoint).
    /// </summary>
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/audit").RequireAuthorization(FleetPolicies.ReadAudit);
        audit.MapGet("/", ReadAsync).WithName("ReadAuditLog");
        audit.MapGet("/verify", async (FleetDatabase database, CancellationToken ct) => TypedResults.Ok(await AuditVerifier.VerifyAsync(database, ct)))
            .WithName("VerifyAuditLog");
        AuditVerificationReport.Map(audit);
        audit.MapPost("/checkpoints", CheckpointAsync).RequireAuthorization(FleetPolicies.Manage).WithName("WriteAuditCheckpoint");
        return app;
    }

    private static async Task<Results<Ok<AuditCheckpoint>, ProblemHttpResult>> CheckpointAsync(AuditCheckpoints checkpoints, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await checkpoints.WriteAsync(onlyIfGrown: false, cancellationToken));
        }
        catch (AuditCheckpointException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Audit chain does not extend the last checkpoint", detail: ex.Message);
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<AuditEntry>>, ValidationProblem>> ReadAsync(IAuditLog log, long? after, int? limit, CancellationToken cancellationToken)
    {
        if (after < 0 || limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["query"] = [$"after must be 0 or more and limit from 1 to {MaxLimit}."] },
                title: "Invalid audit query");
        }

        return TypedResults.Ok(await log.ReadAsync(after ?? 0, limit ?? 100, cancellationToken));
    }
}
