using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Api;

/// <summary>What every endpoint shares: JSON metadata, RFC 7807 problem details, health endpoints.</summary>
public static class ApiExtensions
{
    /// <summary>Registers source-generated JSON, problem details and health checks.</summary>
    public static IHostApplicationBuilder AddFleetApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, FleetJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Problem details for errors and empty error responses, then <c>GET /health</c> (liveness: the process answers) and
    /// <c>GET /health/ready</c> (readiness: the ingestion is subscribed to its broker).
    /// </summary>
    public static WebApplication UseFleetApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(IngestionExtensions.ReadyTag) });
        return app;
    }
}
