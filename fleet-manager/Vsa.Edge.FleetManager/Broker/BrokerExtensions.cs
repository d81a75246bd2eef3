using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>Registers the broker options and, in embedded mode, the in-process MQTTnet broker.</summary>
public static class BrokerExtensions
{
    /// <summary>
    /// Binds and validates <c>Fleet:Broker</c> and registers <see cref="EmbeddedBroker"/> as a hosted service. Call it before
    /// the ingestion is added: hosted services start in registration order, and the broker must listen before the
    /// ingestion client connects.
    /// </summary>
    public static IHostApplicationBuilder AddFleetBroker(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BrokerOptions>()
            .BindConfiguration(BrokerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BrokerOptions>, BrokerOptionsValidator>();

        // The mode is read when the service starts, not here, so configuration added late (tests, command line) still counts.
        builder.Services.AddSingleton<BrokerAccessControl>();
        builder.Services.AddSingleton<EmbeddedBroker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        return builder;
    }
}
