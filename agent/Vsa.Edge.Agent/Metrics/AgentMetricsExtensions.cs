using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Renewal;

namespace Vsa.Edge.Agent.Metrics;

/// <summary>Registers the agent's metrics in the <c>run</c> host.</summary>
public static class AgentMetricsExtensions
{
    /// <summary>
    /// <see cref="AgentMetrics"/> (section <c>Metrics</c>, validated at start) exported through OpenTelemetry: a Prometheus
    /// scrape endpoint (off by default; on <c>localhost</c> unless allowed otherwise) and an OTLP push (off by default). With
    /// neither, nothing is registered. Call it after the parts it reads (<c>AddMqtt</c>, <c>AddCertificateRenewal</c>).
    /// </summary>
    public static IHostApplicationBuilder AddAgentMetrics(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(AgentMetricsOptions.SectionName);
        builder.Services.AddOptions<AgentMetricsOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentMetricsOptions>, AgentMetricsOptionsValidator>());

        // The exporters are chosen now, from the same section the validator checks at start.
        var options = section.Get<AgentMetricsOptions>() ?? new AgentMetricsOptions();
        if (!options.Prometheus && options.OtlpEndpoint is null)
        {
            return builder;
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(sp => new AgentMetrics(
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IAlertOutbox>(),
            sp.GetService<MqttPublisher>(),
            sp.GetService<PipelineStatsRegistry>(),
            sp.GetService<CertificateRenewer>()));
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter(AgentMetrics.MeterName);
            if (options.Prometheus)
            {
                metrics.AddPrometheusHttpListener(o =>
                {
                    o.Host = options.PrometheusHost;
                    o.Port = options.PrometheusPort;
                });
            }

            if (options.OtlpEndpoint is { } endpoint)
            {
                metrics.AddOtlpExporter((exporter, reader) =>
                {
                    exporter.Endpoint = endpoint;
                    exporter.Protocol = OtlpExportProtocol.Grpc;
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.OtlpInterval.TotalMilliseconds;
                });
            }
        });

        // Resolved with the host, so the instruments exist before the first collection.
        builder.Services.AddHostedService(sp => new MetricsStarter(sp.GetRequiredService<AgentMetrics>()));
        return builder;
    }

    private sealed class MetricsStarter(AgentMetrics metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(metrics);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
