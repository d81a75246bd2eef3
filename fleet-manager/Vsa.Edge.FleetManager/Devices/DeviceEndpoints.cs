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
        devices.MapGet("/board", BoardAsync).WithName("GetDeviceBoard");
        devices.MapGet("/sites", async (DeviceBoard board, CancellationToken cancellationToken) => TypedResults.Ok(await board.SitesAsync(cancellationToken)))
            .WithName("ListDeviceSites");
        devices.MapGet("/conditions", (DeviceConditionsState conditions) => TypedResults.Ok(conditions.List())).WithName("ListDeviceConditions");
        devices.MapGet("/{deviceId}", GetAsync).WithName("GetDevice");
        return app;
    }

    // One page of the board (GET /api/devices/board?sort=&dir=&limit=&after=&q=&state=&site=&model=&expiringDays=).
    private static async Task<Results<Ok<DeviceBoardPage>, ValidationProblem>> BoardAsync(HttpRequest request, DeviceBoard board, CancellationToken cancellationToken)
    {
        var query = DeviceBoardQuery.Parse(request.Query, out var errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The board query is not valid");
        }

        try
        {
            return TypedResults.Ok(await board.PageAsync(query, cancellationToken));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = [e.Message] }, title: "The board query is not valid");
        }
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
    /// <summary>Registers <see cref="DeviceStore"/>, <see cref="DeviceBoard"/> and <see cref="DeviceConditionsState"/>.</summary>
    public static IHostApplicationBuilder AddFleetDevices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DeviceStore>();
        builder.Services.AddSingleton<DeviceConditionsState>();
        builder.Services.AddSingleton<DeviceBoard>();
        return builder;
    }
}
