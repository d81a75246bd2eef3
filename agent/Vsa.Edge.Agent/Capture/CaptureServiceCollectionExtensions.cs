using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Vsa.Edge.Agent.Capture;

/// <summary>Registers video capture.</summary>
public static class CaptureServiceCollectionExtensions
{
    /// <summary>Adds the OpenCV frame-source factory (and the system <see cref="TimeProvider"/> unless one is registered).</summary>
    public static IServiceCollection AddCapture(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OpenCvFrameSourceFactory>();
        services.TryAddSingleton<IFrameSourceFactory>(sp => sp.GetRequiredService<OpenCvFrameSourceFactory>());
        return services;
    }
}
