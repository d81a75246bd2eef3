using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Api;

/// <summary>What every endpoint shares: JSON metadata, RFC 7807 problem details, health endpoints, the OpenAPI document.</summary>
public static class ApiExtensions
{
    /// <summary>Registers source-generated JSON, problem details, health checks and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddFleetApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, FleetJsonContext.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>
    /// The security headers (<see cref="SecurityHeaders"/>), problem details for errors and empty error responses (401 and 403 included), then <c>GET /health</c> (liveness: the
    /// process answers), <c>GET /health/ready</c> (readiness: the ingestion is subscribed to its broker) and
    /// <c>GET /openapi/v1.json</c>, all three public: they tell nothing about alerts or people.
    /// </summary>
    public static WebApplication UseFleetApi(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(IngestionExtensions.ReadyTag) }).AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
