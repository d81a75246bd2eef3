using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Agent.Pose;

/// <summary>Registers the pose model for the <c>run</c> host.</summary>
public static class PoseServiceCollectionExtensions
{
    /// <summary>Configuration section of <see cref="PoseOptions"/>.</summary>
    public const string SectionName = "Pose";

    /// <summary>Binds and validates <see cref="PoseOptions"/> (at start) and registers the <see cref="PoseModelProvider"/>.</summary>
    public static IServiceCollection AddPose(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<PoseOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<PoseModelProvider>();
        return services;
    }
}

/// <summary>
/// The pose model, loaded once on the detector's execution providers the first time a camera enables person_down;
/// cameras without it never load it.
/// </summary>
public sealed class PoseModelProvider(IOptions<PoseOptions> options, IOptions<InferenceOptions> inference, ILogger<PoseModel> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private PoseModel? _model;

    /// <summary>Where the model comes from when pose models are updated (the pose switchboard's current model); null: loaded once from the options' folder.</summary>
    public Func<PoseModel>? Source { get; init; }

    /// <summary>The model when <paramref name="rules"/> use pose evidence, else null; throws <see cref="ModelException"/> when it cannot be loaded.</summary>
    public PoseModel? For(RuleEngine? rules)
    {
        if (rules is null || (rules.Inputs & RuleInputs.Pose) == 0)
        {
            return null;
        }

        if (Source is { } source)
        {
            return source();
        }

        lock (_gate)
        {
            return _model ??= PoseModel.Load(options.Value, inference.Value.ExecutionProviders, logger);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _model?.Dispose();
}
