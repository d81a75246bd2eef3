using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Installations;

/// <summary>Registers and maps the installation reports.</summary>
public static class InstallationExtensions
{
    /// <summary>Most reports <c>GET /api/installations/{deviceId}</c> returns.</summary>
    public const int DeviceReportLimit = 20;

    /// <summary>
    /// The store and the report service (an MQTT client of the broker). Call it after <see cref="TrustExtensions.AddFleetTrust"/>
    /// and the broker, so its client starts once the broker listens.
    /// </summary>
    public static IHostApplicationBuilder AddFleetInstallations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InstallationReportStore>();
        builder.Services.AddSingleton<InstallationReportService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InstallationReportService>());
        return builder;
    }

    /// <summary>
    /// Maps <c>GET /api/installations</c> (the newest self-test report of each device: the device board's column) and
    /// <c>GET /api/installations/{deviceId}</c> (that device's newest reports, round-trip probes included), for any signed-in account.
    /// </summary>
    public static IEndpointRouteBuilder MapInstallationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/installations").RequireAuthorization();
        group.MapGet("/", async (InstallationReportStore store, CancellationToken ct) => TypedResults.Ok(await store.LatestAsync(ct)))
            .WithName("ListInstallations");
        group.MapGet("/{deviceId}", ForDeviceAsync).WithName("GetDeviceInstallations");
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<InstallationView>>, ProblemHttpResult>> ForDeviceAsync(InstallationReportStore store, string deviceId, CancellationToken ct) =>
        DeviceIds.IsValid(deviceId)
            ? TypedResults.Ok(await store.ForDeviceAsync(deviceId, DeviceReportLimit, ct))
            : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid device id", detail: $"'{deviceId}' is not a device id.");
}
