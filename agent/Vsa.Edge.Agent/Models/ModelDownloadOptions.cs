using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.Agent.Models;

/// <summary>How the agent fetches model packages from the fleet (configuration section <c>Models:Download</c>).</summary>
public sealed class ModelDownloadOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Models:Download";

    /// <summary>Bytes per second a download may use; 0 = no limit. Default 0 (a pole on a metered or shared uplink sets it).</summary>
    [Range(0, 10_000_000_000)]
    public long BandwidthBytesPerSecond { get; set; }

    /// <summary>Tries of one download (each resumes where the previous one stopped). Default 6.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait before the first retry, doubled at each one (with jitter). Default 2 s.</summary>
    public TimeSpan RetryMinDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between two tries. Default 5 minutes.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest wait for the fleet's response headers. Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest package the device accepts to fetch (a hostile size is refused before a byte is read). Default 2 GiB.</summary>
    [Range(1, 64L * 1024 * 1024 * 1024)]
    public long MaxPackageBytes { get; set; } = 2L * 1024 * 1024 * 1024;
}

/// <summary>Checks the delays of <see cref="ModelDownloadOptions"/> (data annotations check the rest).</summary>
public sealed class ModelDownloadOptionsValidator : IValidateOptions<ModelDownloadOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ModelDownloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.RetryMinDelay <= TimeSpan.Zero)
        {
            errors.Add($"{ModelDownloadOptions.SectionName}:RetryMinDelay must be positive, not {options.RetryMinDelay}");
        }

        if (options.RetryMaxDelay < options.RetryMinDelay)
        {
            errors.Add($"{ModelDownloadOptions.SectionName}:RetryMaxDelay ({options.RetryMaxDelay}) must be at least RetryMinDelay ({options.RetryMinDelay})");
        }

        if (options.ResponseTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{ModelDownloadOptions.SectionName}:ResponseTimeout must be positive, not {options.ResponseTimeout}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
