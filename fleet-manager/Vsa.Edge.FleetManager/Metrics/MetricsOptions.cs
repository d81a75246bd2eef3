using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Metrics;

/// <summary>Metrics settings, section <c>Fleet:Metrics</c> (docs/operations.md, "Metrics and dashboard").</summary>
public sealed class MetricsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Metrics";

    /// <summary>Serve the Prometheus scrape endpoint. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Path of the scrape endpoint. Default <c>/metrics</c>.</summary>
    [RegularExpression("^/[A-Za-z0-9/_-]{1,100}$")]
    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// A bearer token a scraper from another machine must send (<c>Authorization: Bearer …</c>), at least 32 characters.
    /// Default none: then only a connection from the machine itself (loopback) is answered, everyone else gets 404.
    /// </summary>
    [MinLength(32)]
    public string? ScrapeToken { get; set; }

    /// <summary>
    /// Answer loopback connections without the token. Default true (a Prometheus on the same machine). Set it to false when a
    /// reverse proxy on the same machine forwards outside requests: they would arrive from loopback.
    /// </summary>
    public bool LoopbackWithoutToken { get; set; } = true;

    /// <summary>Also push the metrics over OTLP to this collector (<c>http://collector:4317</c>). Default none.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>How often the figures read from the database (devices online, alerts pending, certificates) are refreshed. Default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Cross-field rules of <see cref="MetricsOptions"/>.</summary>
public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
        options.Enabled && options.ScrapeToken is null && !options.LoopbackWithoutToken
            ? ValidateOptionsResult.Fail($"{MetricsOptions.SectionName}: with LoopbackWithoutToken=false a ScrapeToken is required, or nobody can scrape (set Enabled=false instead).")
            : ValidateOptionsResult.Success;
}
