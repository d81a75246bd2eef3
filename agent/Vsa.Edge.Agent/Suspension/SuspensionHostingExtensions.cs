using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Mqtt;

namespace Vsa.Edge.Agent.Suspension;

/// <summary>Registers the kill switch of the <c>run</c> host.</summary>
public static class SuspensionHostingExtensions
{
    /// <summary>
    /// <see cref="AgentSuspension"/> (the kept state applied as soon as it is first resolved, that is before any camera is
    /// built), its verifier on the keys that sign the desired configuration, the file in <c>Agent:DataDirectory</c> and
    /// the <see cref="SuspensionHandler"/> that applies what arrives on the suspension topic.
    /// </summary>
    public static IHostApplicationBuilder AddSuspension(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(sp => new SuspensionFile(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataPath));
        services.TryAddSingleton(sp => new SuspensionVerifier(
            TrustedSigningKeys.Load(sp.GetRequiredService<IOptions<AgentOptions>>().Value, sp.GetService<IOptions<MqttOptions>>()?.Value ?? new MqttOptions()),
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId));
        services.TryAddSingleton<AgentSuspension>();
        services.TryAddSingleton(sp =>
        {
            var handler = new SuspensionHandler(
                sp.GetRequiredService<AgentSuspension>(),
                sp.GetRequiredService<SuspensionVerifier>(),
                sp.GetRequiredService<SuspensionFile>(),
                sp.GetRequiredService<ILogger<SuspensionHandler>>());
            handler.LoadKept();
            return handler;
        });
        services.AddHostedService(sp => sp.GetRequiredService<SuspensionHandler>());
        return builder;
    }
}
