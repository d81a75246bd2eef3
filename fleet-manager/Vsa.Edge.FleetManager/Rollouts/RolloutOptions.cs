using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>
/// Defaults of model rollouts and the driver's pace, section <c>Fleet:Rollouts</c>. Bound and validated on start. A rollout
/// request may override every gate; what it was started with is stored with it.
/// </summary>
public sealed class RolloutOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Rollouts";

    /// <summary>Seconds between two passes of the driver over the open rollouts (it also runs at once after every API action). Default 15.</summary>
    [Range(1, 3600)]
    public int IntervalSeconds { get; set; } = 15;

    /// <summary>Devices in the canary when the request names neither a count nor a share. Default 1.</summary>
    [Range(1, 1000)]
    public int CanaryDevices { get; set; } = 1;

    /// <summary>Cumulative shares of the target after each wave, in percent, increasing, the last 100. Default 10, 50, 100.</summary>
    public List<double> Waves { get; } = [];

    /// <summary>Minutes every device of a stage must stay healthy once all are active. Default 30.</summary>
    [Range(0, 10080)]
    public double SoakMinutes { get; set; } = 30;

    /// <summary>Largest accepted rise of inference p95 over the previous model's (fraction). Default 0.25 (+25 %).</summary>
    [Range(0, 10)]
    public double MaxP95Increase { get; set; } = 0.25;

    /// <summary>Largest accepted fall of the frame rate under the previous model's (fraction). Default 0.2 (−20 %).</summary>
    [Range(0, 1)]
    public double MaxFpsDrop { get; set; } = 0.2;

    /// <summary>Most restarts (offline/online flaps) of a device since its update before it counts as a crash loop. Default 2.</summary>
    [Range(0, 100)]
    public int MaxRestarts { get; set; } = 2;

    /// <summary>Minutes a stage may take, from sending the model to passing its soak, before the rollout pauses. Default 240.</summary>
    [Range(1, 43200)]
    public double StageTimeoutMinutes { get; set; } = 240;

    /// <summary>The waves when none are configured.</summary>
    public static IReadOnlyList<double> DefaultWaves { get; } = [10, 50, 100];

    /// <summary>The configured waves, or <see cref="DefaultWaves"/>.</summary>
    public IReadOnlyList<double> EffectiveWaves => Waves.Count == 0 ? DefaultWaves : Waves;
}

/// <summary>Checks <see cref="RolloutOptions.Waves"/> (data annotations check the rest).</summary>
public sealed class RolloutOptionsValidator : IValidateOptions<RolloutOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RolloutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RolloutPlanner.WavesError(options.EffectiveWaves) is { } error
            ? ValidateOptionsResult.Fail($"{RolloutOptions.SectionName}:Waves {error}")
            : ValidateOptionsResult.Success;
    }
}
