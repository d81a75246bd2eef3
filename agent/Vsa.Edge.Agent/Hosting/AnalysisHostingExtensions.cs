using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Fire;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.StaticRegions;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>
/// The analysis settings of the <c>run</c> host, each bound from its own key under <c>Analysis</c> and checked at start by a
/// source-generated validator: <c>Analysis:Pipeline</c>, <c>Analysis:Tracker</c>, <c>Analysis:Rules</c>,
/// <c>Analysis:Fire</c>, <c>Analysis:StaticRegions</c>. An absent key keeps the default documented on the option.
/// </summary>
public static class AnalysisHostingExtensions
{
    /// <summary>The configuration section that holds the analysis settings.</summary>
    public const string SectionName = "Analysis";

    /// <summary>Binds and validates the five analysis option classes and registers <see cref="AnalysisSettings"/>.</summary>
    public static IHostApplicationBuilder AddAnalysisOptions(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(SectionName);
        Bind<PipelineOptions, PipelineOptionsValidator>(builder.Services, section, "Pipeline");
        Bind<TrackerOptions, TrackerOptionsValidator>(builder.Services, section, "Tracker", o => o.LowScoreThreshold > o.HighScoreThreshold
            ? $"LowScoreThreshold ({o.LowScoreThreshold}) must not exceed HighScoreThreshold ({o.HighScoreThreshold})."
            : null);
        Bind<RuleOptions, RuleOptionsValidator>(builder.Services, section, "Rules");
        Bind<FireDetectorOptions, FireDetectorOptionsValidator>(builder.Services, section, "Fire");
        Bind<StaticRegionOptions, StaticRegionOptionsValidator>(builder.Services, section, "StaticRegions", o => o.MinArea >= o.MaxArea
            ? $"MinArea ({o.MinArea}) must be below MaxArea ({o.MaxArea})."
            : null);
        builder.Services.TryAddSingleton<AnalysisSettings>();
        return builder;
    }

    // crossCheck: a rule across fields that the detector's constructor would otherwise only enforce when a camera starts.
    private static void Bind<TOptions, TValidator>(IServiceCollection services, IConfigurationSection analysis, string key, Func<TOptions, string?>? crossCheck = null)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>, new()
    {
        var section = analysis.GetSection(key);
        services.AddOptions<TOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new KeyedValidator<TOptions>(section.Path, new TValidator(), crossCheck)));
    }

    // The generated validators name a member as 'TrackerOptions.MaxLostDuration'; a device's operator edits
    // 'Analysis:Tracker:MaxLostDuration', so each failure starts with the configuration key instead.
    private sealed class KeyedValidator<TOptions>(string path, IValidateOptions<TOptions> inner, Func<TOptions, string?>? crossCheck) : IValidateOptions<TOptions>
        where TOptions : class
    {
        private readonly string _prefix = typeof(TOptions).Name + ".";

        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var result = inner.Validate(name, options);
            var failures = result.Failed ? result.Failures.Select(Keyed).ToList() : [];
            if (crossCheck?.Invoke(options) is { } error)
            {
                failures.Add($"{path}: {error}");
            }

            return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
        }

        // "MinHitsToConfirm: The field TrackerOptions.MinHitsToConfirm must be …" becomes
        // "Analysis:Tracker:MinHitsToConfirm: The field MinHitsToConfirm must be …".
        private string Keyed(string failure) => path + ":" + failure.Replace(_prefix, "", StringComparison.Ordinal);
    }
}

/// <summary>The bound analysis settings a camera pipeline is built with (the <c>Analysis</c> section).</summary>
public sealed class AnalysisSettings(
    IOptions<PipelineOptions> pipeline,
    IOptions<TrackerOptions> tracker,
    IOptions<RuleOptions> rules,
    IOptions<FireDetectorOptions> fire,
    IOptions<StaticRegionOptions> staticRegions)
{
    /// <summary>The defaults of every option class, for hosts and tests that bind nothing.</summary>
    public static AnalysisSettings Defaults { get; } = new(
        Options.Create(new PipelineOptions()),
        Options.Create(new TrackerOptions()),
        Options.Create(new RuleOptions()),
        Options.Create(new FireDetectorOptions()),
        Options.Create(new StaticRegionOptions()));

    /// <summary><c>Analysis:Pipeline</c>; <c>run</c> takes <c>Every</c>, <c>CandidateScoreThreshold</c> and <c>FrameQueueCapacity</c> from it.</summary>
    public PipelineOptions Pipeline => pipeline.Value;

    /// <summary><c>Analysis:Tracker</c>.</summary>
    public TrackerOptions Tracker => tracker.Value;

    /// <summary><c>Analysis:Rules</c>.</summary>
    public RuleOptions Rules => rules.Value;

    /// <summary><c>Analysis:Fire</c>.</summary>
    public FireDetectorOptions Fire => fire.Value;

    /// <summary><c>Analysis:StaticRegions</c>.</summary>
    public StaticRegionOptions StaticRegions => staticRegions.Value;
}

[OptionsValidator]
internal sealed partial class PipelineOptionsValidator : IValidateOptions<PipelineOptions>;

[OptionsValidator]
internal sealed partial class TrackerOptionsValidator : IValidateOptions<TrackerOptions>;

[OptionsValidator]
internal sealed partial class RuleOptionsValidator : IValidateOptions<RuleOptions>;

[OptionsValidator]
internal sealed partial class FireDetectorOptionsValidator : IValidateOptions<FireDetectorOptions>;

[OptionsValidator]
internal sealed partial class StaticRegionOptionsValidator : IValidateOptions<StaticRegionOptions>;
