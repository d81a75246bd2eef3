using Vsa.Edge.FleetManager.Broker;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// Revokes a device: its certificates are marked revoked (audited), the revocation list is rewritten for an external
/// broker, and its live session on the embedded broker is closed, so it is refused when it reconnects.
/// </summary>
public sealed partial class DeviceRevocation(EnrolmentStore store, FleetCertificateAuthority authority, EmbeddedBroker broker, ILogger<DeviceRevocation> logger)
{
    /// <summary>Revokes every active certificate of <paramref name="deviceId"/>; null when it has none.</summary>
    public async Task<RevocationResult?> RevokeAsync(string actor, string deviceId, string? reason, CancellationToken cancellationToken)
    {
        var result = await store.RevokeDeviceAsync(actor, deviceId, reason, cancellationToken);
        if (result is null)
        {
            return null;
        }

        await PublishRevocationListAsync(cancellationToken);
        var disconnected = await broker.DisconnectDeviceAsync(deviceId);
        LogRevoked(logger, deviceId, actor, result.RevokedSerials.Count, disconnected);
        return result;
    }

    /// <summary>Rewrites the revocation list from the database.</summary>
    public async Task PublishRevocationListAsync(CancellationToken cancellationToken) =>
        authority.PublishRevocationList([.. await store.RevokedAsync(cancellationToken)]);

    [LoggerMessage(EventId = 12711, Level = LogLevel.Warning, Message = "Device {DeviceId} revoked by {Actor} ({Count} certificate(s); live session closed: {Disconnected})")]
    private static partial void LogRevoked(ILogger logger, string deviceId, string actor, int count, bool disconnected);
}

/// <summary>Creates the CA and the desired-state signing key (first start, or fails on an unreadable one) and writes the current revocation list, after the database is migrated.</summary>
public sealed class TrustInitializer(FleetCertificateAuthority authority, DesiredStateSigningKey signing, DeviceRevocation revocation) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _ = authority.Certificate;
        _ = signing.Signer;
        await revocation.PublishRevocationListAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registers device trust.</summary>
public static class TrustExtensions
{
    /// <summary>
    /// Binds and validates <c>Fleet:Trust</c>; registers the CA, the enrolment store, the revocation service and a hosted
    /// service that creates the CA and its revocation list. Call it after the storage (migrations) and before the broker.
    /// </summary>
    public static IHostApplicationBuilder AddFleetTrust(this IHostApplicationBuilder builder)
    {
        builder.Services.AddFleetTrustServices();
        builder.Services.AddSingleton<DeviceRevocation>();
        builder.Services.AddHostedService<TrustInitializer>();
        return builder;
    }

    /// <summary>The options, the CA and the store, without hosted services (the command-line tools use this).</summary>
    public static IServiceCollection AddFleetTrustServices(this IServiceCollection services)
    {
        services.AddOptions<TrustOptions>()
            .BindConfiguration(TrustOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<TrustOptions>, TrustOptionsValidator>();
        services.AddSingleton<FleetCertificateAuthority>();
        services.AddSingleton<DesiredStateSigningKey>();
        services.AddSingleton<EnrolmentStore>();
        return services;
    }
}
