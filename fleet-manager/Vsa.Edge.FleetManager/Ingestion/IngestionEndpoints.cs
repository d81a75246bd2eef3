using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Live;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>Body of <c>GET /api/ingestion</c>.</summary>
/// <param name="Mode">Embedded or external broker.</param>
/// <param name="Endpoint">The broker the ingestion connects to.</param>
/// <param name="ClientId">The ingestion's MQTT client id (its session on the broker).</param>
/// <param name="Connection">Connection state.</param>
/// <param name="Messages">Message counters since start.</param>
/// <param name="LiveSubscribers">Browsers connected to the live stream.</param>
/// <param name="LiveEventsDropped">Live events dropped for slow browsers since start.</param>
/// <param name="Batches">Transactions committed by the writer since start (messages ÷ batches = the batching achieved).</param>
/// <param name="Queued">Messages received and waiting to be stored.</param>
public sealed record IngestionStatus(
    BrokerMode Mode,
    string Endpoint,
    string ClientId,
    IngestionSnapshot Connection,
    MessageCounts Messages,
    int LiveSubscribers,
    long LiveEventsDropped,
    long Batches,
    int Queued);

/// <summary>HTTP endpoints of the ingestion.</summary>
public static class IngestionEndpoints
{
    /// <summary>Maps <c>GET /api/ingestion</c> and <c>GET /api/ingestion/dead-letters</c>.</summary>
    public static IEndpointRouteBuilder MapIngestionApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ingestion", (IngestionState state, IngestionStatistics statistics, LiveBroadcaster live, IngestionWriter writer, IOptions<BrokerOptions> broker) =>
            TypedResults.Ok(new IngestionStatus(
                broker.Value.Mode,
                broker.Value.Endpoint,
                broker.Value.ClientId,
                state.Current,
                statistics.Snapshot(),
                live.SubscriberCount,
                live.Dropped,
                writer.Batches,
                writer.Queued)))
            .WithName("GetIngestionStatus");
        app.MapGet("/api/ingestion/dead-letters", ListDeadLettersAsync).RequireAuthorization(FleetPolicies.ReadAudit).WithName("ListDeadLetters");
        return app;
    }

    /// <summary>
    /// <c>GET /api/ingestion/dead-letters?limit=&amp;before=</c>: the refused messages kept, newest first; <c>limit</c> 1–1000
    /// (default 100), <c>before</c> an id to page on (the last id of the previous page). Admins and auditors only: a payload
    /// may name cameras and zones.
    /// </summary>
    private static async Task<Results<Ok<IReadOnlyList<DeadLetterView>>, ValidationProblem>> ListDeadLettersAsync(DeadLetterStore store, int? limit, long? before, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be between 1 and 1000."] });
        }

        return TypedResults.Ok(await store.ListAsync(limit ?? 100, before, cancellationToken));
    }
}

/// <summary>Readiness: healthy while the ingestion is subscribed to its broker.</summary>
public sealed class IngestionHealthCheck(IngestionState state) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var current = state.Current;
        return Task.FromResult(current.Subscribed
            ? HealthCheckResult.Healthy("subscribed to the broker")
            : HealthCheckResult.Unhealthy(current.LastError ?? "not connected to the broker yet"));
    }
}
