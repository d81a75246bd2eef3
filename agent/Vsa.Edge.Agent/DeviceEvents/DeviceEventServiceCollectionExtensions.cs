using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.DeviceEvents;

/// <summary>Registers the device event hub (shared by capture, GPIO and the MQTT publisher).</summary>
public static class DeviceEventServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="DeviceEventHub"/> as <see cref="IDeviceEventSink"/>, stamped with <c>Agent:DeviceId</c> from
    /// configuration. Idempotent: capture and GPIO both call it.
    /// </summary>
    public static IServiceCollection AddDeviceEvents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DeviceEventHub(
            sp.GetService<IConfiguration>()?["Agent:DeviceId"] ?? "",
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DeviceEventHub>>()));
        services.TryAddSingleton<IDeviceEventSink>(sp => sp.GetRequiredService<DeviceEventHub>());
        return services;
    }
}
