using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Metrics;

/// <summary>Registers the fleet's metrics: OpenTelemetry over the fleet's meters, a Prometheus scrape endpoint, optional OTLP.</summary>
public static class MetricsExtensions
{
    /// <summary>Binds and validates <c>Fleet:Metrics</c>; registers the instruments, the sampler and OpenTelemetry.</summary>
    public static IHostApplicationBuilder AddFleetMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>()
            .BindConfiguration(MetricsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        builder.Services.AddSingleton<FleetMetrics>();
        builder.Services.AddSingleton<FleetMetricsSampler>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FleetMetricsSampler>());

        var settings = builder.Configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new MetricsOptions();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("vsa-fleet"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(IngestionStatistics.MeterName, FleetDatabase.MeterName);
                if (settings.Enabled)
                {
                    // No cache: a scrape shows what was counted up to that instant (the test compares it with what it sent).
                    metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (settings.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter(o => o.Endpoint = endpoint);
                }
            });

        // The instruments are created when first resolved: resolve them at start, not at the first scrape.
        builder.Services.AddHostedService<MetricsStarter>();
        return builder;
    }

    /// <summary>Serves the scrape endpoint (<see cref="MetricsOptions.Path"/>) to those <see cref="ScrapeGuard"/> lets in.</summary>
    public static WebApplication UseFleetMetrics(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!settings.Enabled)
        {
            return app;
        }

        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.Request.Path == settings.Path,
            path: null,
            configureBranchedPipeline: branch => branch.Use(async (context, next) =>
            {
                if (ScrapeGuard.Refusal(context, settings) is { } status)
                {
                    context.Response.StatusCode = status;
                    return;
                }

                await next(context);
            }),
            optionsName: null);
        return app;
    }

    private sealed class MetricsStarter(FleetMetrics metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(metrics);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
