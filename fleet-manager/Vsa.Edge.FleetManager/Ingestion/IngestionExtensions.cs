namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>Registers the MQTT ingestion.</summary>
public static class IngestionExtensions
{
    /// <summary>Tag of the readiness checks (<c>GET /health/ready</c>).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Binds and validates <c>Fleet:Ingestion</c>; registers the pipeline, its counters and state, the batch writer, the MQTT ingestion hosted
    /// service and its readiness check. Add it after the storage and the broker so that it starts after them and stops first.
    /// </summary>
    public static IHostApplicationBuilder AddFleetIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<IngestionStatistics>();
        builder.Services.AddSingleton<IngestionState>();
        builder.Services.AddSingleton<DeadLetterStore>();
        builder.Services.AddSingleton<RejectionLog>();
        builder.Services.AddSingleton<IngestionPipeline>();

        // The writer starts before the MQTT client and stops after it, so no received message finds it gone.
        builder.Services.AddSingleton<IngestionWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestionWriter>());
        builder.Services.AddSingleton<EmbeddedIngestion>();
        builder.Services.AddHostedService<MqttIngestionService>();
        builder.Services.AddHealthChecks().AddCheck<IngestionHealthCheck>("mqtt-ingestion", tags: [ReadyTag]);
        return builder;
    }
}
