using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.Agent.Inference;

/// <summary>Registers the detector.</summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="InferenceOptions"/> (at start) and registers the shared <see cref="DetectorModel"/>.</summary>
    public static IServiceCollection AddInference(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<InferenceOptions>()
            .Bind(section)
            .PostConfigure(o =>
            {
                // The binder appends configured array items to the default list instead of replacing it.
                var configured = section.GetSection(nameof(InferenceOptions.ExecutionProviders)).Get<string[]>();
                if (configured is { Length: > 0 })
                {
                    o.ExecutionProviders = configured;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InferenceOptions>, InferenceOptionsValidator>());
        services.TryAddSingleton(sp => DetectorModel.Load(
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<DetectorModel>()));
        return services;
    }
}
