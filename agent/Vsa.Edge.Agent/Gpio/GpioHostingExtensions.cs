using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Platform;

namespace Vsa.Edge.Agent.Gpio;

/// <summary>Registers the tamper switch, status LED and maintenance switch.</summary>
public static class GpioHostingExtensions
{
    /// <summary>
    /// Binds and validates <see cref="GpioOptions"/> (section <c>Gpio</c>, at start), adds <see cref="MaintenanceMode"/>
    /// and the <see cref="GpioService"/>, and wraps the registered <see cref="IAlertSink"/> so alerts are suppressed
    /// during maintenance — call it after the publisher is registered (<c>AddMqtt</c>).
    /// </summary>
    public static IHostApplicationBuilder AddGpio(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<GpioOptions>()
            .Bind(builder.Configuration.GetSection(GpioOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpioOptions>, GpioOptionsValidator>());
        services.AddDeviceEvents();
        services.TryAddSingleton<IHostFiles>(HostFiles.Instance);
        services.TryAddSingleton<MaintenanceMode>();
        services.TryAddSingleton(sp => new GpioService(
            sp.GetRequiredService<IOptions<GpioOptions>>().Value,
            sp.GetRequiredService<IHostFiles>(),
            sp.GetRequiredService<DeviceEventHub>(),
            sp.GetRequiredService<MaintenanceMode>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GpioService>>())
        {
            Suspension = sp.GetService<Suspension.SuspensionHandler>()?.Suspension,
        });
        services.AddHostedService(sp => sp.GetRequiredService<GpioService>());
        DecorateAlertPublisher(services);
        return builder;
    }

    // Replaces the IAlertSink registration with one that filters through MaintenanceMode and forwards the rest.
    private static void DecorateAlertPublisher(IServiceCollection services)
    {
        var existing = services.LastOrDefault(d => d.ServiceType == typeof(IAlertSink) && !d.IsKeyedService);
        if (existing is null || existing.ImplementationType == typeof(MaintenanceAlertFilter))
        {
            return;
        }

        services.Remove(existing);
        services.Add(ServiceDescriptor.Describe(
            typeof(IAlertSink),
            sp => new MaintenanceAlertFilter(Create(existing, sp), sp.GetRequiredService<MaintenanceMode>()),
            existing.Lifetime));
    }

    private static IAlertSink Create(ServiceDescriptor descriptor, IServiceProvider sp) =>
        (IAlertSink)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));
}
