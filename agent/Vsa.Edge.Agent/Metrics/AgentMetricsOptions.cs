using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.Agent.Metrics;

/// <summary>The agent's health figures as OpenTelemetry metrics (configuration section <c>Metrics</c>).</summary>
public sealed class AgentMetricsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Metrics";

    /// <summary>Serve a Prometheus scrape endpoint (<c>http://{PrometheusHost}:{PrometheusPort}/metrics</c>). Default false.</summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// Host the scrape endpoint binds to. Default <c>localhost</c>: only a collector on the device itself (node exporter
    /// side-car, Grafana agent) can read it. Another address exposes the figures to the camera network: set
    /// <see cref="AllowRemoteScrape"/> too.
    /// </summary>
    [Required]
    public string PrometheusHost { get; set; } = "localhost";

    /// <summary>Port of the scrape endpoint. Default 9464 (OpenTelemetry's Prometheus default).</summary>
    [Range(1, 65535)]
    public int PrometheusPort { get; set; } = 9464;

    /// <summary>Allow <see cref="PrometheusHost"/> to be something other than a loopback name or address. Default false.</summary>
    public bool AllowRemoteScrape { get; set; }

    /// <summary>OTLP collector to push to (for example <c>http://collector:4317</c>, gRPC). Null (default): no push.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Interval between OTLP pushes. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OtlpInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether <see cref="PrometheusHost"/> names this machine only.</summary>
    public bool IsLoopbackHost => PrometheusHost == "localhost" || (IPAddress.TryParse(PrometheusHost, out var address) && IPAddress.IsLoopback(address));
}

/// <summary>Cross-field rules of <see cref="AgentMetricsOptions"/>.</summary>
public sealed class AgentMetricsOptionsValidator : IValidateOptions<AgentMetricsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AgentMetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Prometheus && !options.IsLoopbackHost && !options.AllowRemoteScrape)
        {
            failures.Add($"Metrics:PrometheusHost '{options.PrometheusHost}' is not loopback: set Metrics:AllowRemoteScrape to true to expose the figures beyond this device.");
        }

        if (options.OtlpEndpoint is { } otlp && (!otlp.IsAbsoluteUri || (otlp.Scheme != Uri.UriSchemeHttp && otlp.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Metrics:OtlpEndpoint '{otlp}' must be an absolute http:// or https:// address.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
