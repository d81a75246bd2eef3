using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.Models;

/// <summary>How long and how strictly a newly switched model is watched (configuration section <c>Models:Soak</c>).</summary>
public sealed class SoakOptions
{
    /// <summary>How long the model is watched after the switch. Default 10 minutes.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Least fraction of the previous model's frame rate the new one must keep. Default 0.8.</summary>
    [Range(0.0, 1.0)]
    public double MinFpsRatio { get; set; } = 0.8;

    /// <summary>Inference errors tolerated during the soak. Default 0.</summary>
    [Range(0, 1000)]
    public int MaxInferenceErrors { get; set; }

    /// <summary>How often the running agent observes the pipelines' frame rate and restarts during a soak. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ObserveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Agent starts during a soak after which the model is deemed to crash the agent and rolled back. Default 2.</summary>
    [Range(1, 100)]
    public int MaxStartsDuringSoak { get; set; } = 2;
}

/// <summary>What the watch concludes from one observation.</summary>
public enum SoakVerdict
{
    /// <summary>Keep watching.</summary>
    Continue,

    /// <summary>The soak ended without fault: keep the model.</summary>
    Passed,

    /// <summary>The model failed: roll back.</summary>
    Failed,
}

/// <summary>
/// Watches a new model after its switch (pure: fed observations and the time). It fails on inference errors beyond the
/// bound, or when the frame rate stays below <see cref="SoakOptions.MinFpsRatio"/> of the previous model's for a whole
/// observation after the first one (the first covers the switch itself); it passes once <see cref="SoakOptions.Duration"/>
/// has gone by.
/// </summary>
public sealed class SoakWatch(SoakOptions options, double baselineFps, DateTimeOffset startedAt)
{
    private int _slowObservations;

    /// <summary>Why it failed, once it did.</summary>
    public string? Reason { get; private set; }

    /// <summary>One observation: the frame rate since the previous one and the inference errors since the switch.</summary>
    public SoakVerdict Observe(double fps, int inferenceErrors, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (inferenceErrors > options.MaxInferenceErrors)
        {
            Reason = $"{inferenceErrors} inference errors during the soak (at most {options.MaxInferenceErrors})";
            return SoakVerdict.Failed;
        }

        var floor = baselineFps * options.MinFpsRatio;
        _slowObservations = baselineFps > 0 && fps < floor ? _slowObservations + 1 : 0;
        if (_slowObservations >= 2)
        {
            Reason = $"frame rate {fps:0.0}/s below {options.MinFpsRatio:0.00} × the previous model's {baselineFps:0.0}/s";
            return SoakVerdict.Failed;
        }

        return now - startedAt >= options.Duration ? SoakVerdict.Passed : SoakVerdict.Continue;
    }
}
