namespace Vsa.Edge.FleetManager.Trust;

/// <summary>Registers certificate renewal and the certificate watch.</summary>
public static class CertificateRenewalExtensions
{
    /// <summary>
    /// The renewal store, the watch and the renewal service (an MQTT client of the broker). Call it after
    /// <see cref="TrustExtensions.AddFleetTrust"/> and the broker, so its client starts once the broker listens.
    /// </summary>
    public static IHostApplicationBuilder AddFleetCertificateRenewal(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CertificateRenewalStore>();
        builder.Services.AddSingleton<CertificateWatch>();
        builder.Services.AddSingleton<CertificateRenewalService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CertificateRenewalService>());
        return builder;
    }

    /// <summary>
    /// Maps <c>GET /api/trust/certificates</c> (any signed-in account: the device board shows it): devices whose certificate
    /// expires soon or that missed their renewal, and the expiry of the fleet CA and of the fleet's service certificate.
    /// </summary>
    public static IEndpointRouteBuilder MapCertificateApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/trust/certificates", async (CertificateWatch watch, CancellationToken ct) => TypedResults.Ok(await watch.ReportAsync(ct)))
            .RequireAuthorization()
            .WithName("CertificateReport");
        return app;
    }
}
