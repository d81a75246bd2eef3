using Microsoft.AspNetCore.Http.HttpResults;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>HTTP endpoints of the device registry.</summary>
public static class DeviceEndpoints
{
    /// <summary>Maps <c>GET /api/devices</c>, <c>GET /api/devices/conditions</c> (from device events) and <c>GET /api/devices/{deviceId}</c>.</summary>
    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/api/devices");
        devices.MapGet("/", async (DeviceStore store, CancellationToken cancellationToken) => TypedResults.Ok(await store.ListAsync(cancellationToken)))
            .WithName("ListDevices");
        devices.MapGet("/conditions", (DeviceConditionsState conditions) => TypedResults.Ok(conditions.List())).WithName("ListDeviceConditions");
        devices.MapGet("/{deviceId}", GetAsync).WithName("GetDevice");
        return app;
    }

    private static async Task<Results<Ok<DeviceView>, ProblemHttpResult>> GetAsync(DeviceStore store, string deviceId, CancellationToken cancellationToken)
    {
        var device = await store.FindAsync(deviceId, cancellationToken);
        return device is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Device not found", detail: $"No device has the id '{deviceId}'.")
            : TypedResults.Ok(device);
    }
}

/// <summary>Registers the device registry.</summary>
public static class DevicesExtensions
{
    /// <summary>Registers <see cref="DeviceStore"/> and <see cref="DeviceConditionsState"/>.</summary>
    public static IHostApplicationBuilder AddFleetDevices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeviceStore>();
        builder.Services.AddSingleton<DeviceConditionsState>();
        return builder;
    }
}
