using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Mqtt;

namespace Vsa.Edge.Agent.Renewal;

/// <summary>Registers automatic certificate renewal in the <c>run</c> host.</summary>
public static class RenewalHostingExtensions
{
    /// <summary>
    /// Options <c>Agent:Renewal</c> (validated at start), the inbox the publisher fills from <c>certificate/issued</c> and the
    /// <see cref="CertificateRenewer"/> (idle without TLS credentials). Call it with <c>AddMqtt</c>.
    /// </summary>
    public static IHostApplicationBuilder AddCertificateRenewal(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RenewalOptions>()
            .Bind(builder.Configuration.GetSection(RenewalOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<CertificateAnswerInbox>();
        services.TryAddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var mqtt = sp.GetRequiredService<IOptions<MqttOptions>>().Value;
            return new CertificateRenewer(
                sp.GetRequiredService<MqttPublisher>(),
                sp.GetRequiredService<CertificateAnswerInbox>(),
                TrustedSigningKeys.Load(agent, mqtt),
                mqtt,
                sp.GetRequiredService<IOptions<RenewalOptions>>().Value,
                agent.DeviceId,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<CertificateRenewer>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<CertificateRenewer>());
        return builder;
    }
}
