using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Ingestion;

namespace Vsa.Edge.FleetManager.Live;

/// <summary>The live page and its Server-Sent Events stream.</summary>
public static class LiveEndpoints
{
    /// <summary>Registers the broadcaster and its fan-out to the other instances (<see cref="PostgresLiveFanOut"/>), binds <c>Fleet:Live</c>.</summary>
    public static IHostApplicationBuilder AddFleetLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LiveOptions>()
            .BindConfiguration(LiveOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<LiveBroadcaster>();
        builder.Services.AddSingleton<PostgresLiveFanOut>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PostgresLiveFanOut>());
        return builder;
    }

    /// <summary>
    /// Serves the page (<c>GET /</c>, from wwwroot) and the stream (<c>GET /api/alerts/stream</c>). The stream opens with an
    /// <c>ingestion</c> event carrying the current broker connection, sent once the subscriber is registered: a client that
    /// has read it will not miss any later event.
    /// </summary>
    public static WebApplication MapLivePage(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapGet("/api/alerts/stream", (LiveBroadcaster broadcaster, IngestionState state, IHostApplicationLifetime lifetime, CancellationToken requestAborted) =>
                TypedResults.ServerSentEvents(StreamAsync(broadcaster, state, lifetime.ApplicationStopping, requestAborted)))
            .WithName("StreamAlerts");
        return app;
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(
        LiveBroadcaster broadcaster,
        IngestionState state,
        CancellationToken applicationStopping,
        [EnumeratorCancellation] CancellationToken requestAborted)
    {
        // Ending the stream on shutdown lets the host stop promptly instead of waiting for browsers to go away.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(applicationStopping, requestAborted);
        using var subscription = broadcaster.Subscribe();
        yield return new SseItem<string>(JsonSerializer.Serialize(state.Current, FleetJsonContext.Default.IngestionSnapshot), LiveEventTypes.Ingestion);

        while (true)
        {
            LiveEvent next;
            try
            {
                if (!await subscription.Reader.WaitToReadAsync(stop.Token) || !subscription.Reader.TryRead(out next!))
                {
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            yield return new SseItem<string>(next.Json, next.Type);
        }
    }
}
