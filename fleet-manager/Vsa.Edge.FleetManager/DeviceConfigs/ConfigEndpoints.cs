using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>HTTP endpoints of the desired and reported configurations.</summary>
public static class ConfigEndpoints
{
    /// <summary>
    /// Maps <c>PUT /api/devices/{deviceId}/config</c> (administrators; 404 for a device neither enrolled nor heard from), <c>GET /api/devices/{deviceId}/config</c>
    /// (administrators and auditors; auditors see camera passwords as <c>***</c>) and
    /// <c>GET /api/devices/{deviceId}/cameras/{cameraId}/layout</c> (any signed-in account).
    /// </summary>
    public static IEndpointRouteBuilder MapConfigApi(this IEndpointRouteBuilder app)
    {
        var device = app.MapGroup("/api/devices/{deviceId}");
        device.MapPut("/config", PutAsync).RequireAuthorization(FleetPolicies.Manage).WithName("SetDesiredConfig");
        device.MapGet("/config", GetAsync).RequireAuthorization(FleetPolicies.ReadAudit).WithName("GetDeviceConfig");
        device.MapGet("/cameras/{cameraId}/layout", LayoutAsync).WithName("GetCameraLayout");
        return app;
    }

    /// <summary>Builds the configuration view of a device; null when the fleet knows nothing of its configuration.</summary>
    public static async Task<DeviceConfigView?> ViewAsync(string deviceId, ConfigStore store, ConfigPublisher publisher, bool redact, CancellationToken cancellationToken)
    {
        var desired = await store.FindDesiredAsync(deviceId, cancellationToken);
        var reported = await store.FindReportedAsync(deviceId, cancellationToken);
        if (desired is null && reported is null)
        {
            return null;
        }

        var message = desired?.Message();
        var (drift, reasons) = ConfigDrift.Compute(desired?.Version, reported is null ? null : ReportedState.Of(reported.Message));
        var report = reported?.Message;
        if (redact && report is not null)
        {
            report = report with { Cameras = [.. report.Cameras.Select(CameraLayoutReader.RedactSource)] };
        }

        var desiredView = message is null ? null : new DesiredConfigView(
            desired!.Version,
            desired.IssuedAt,
            desired.IssuedBy,
            redact ? [.. message.Cameras.Select(CameraLayoutReader.RedactSource)] : message.Cameras,
            message.Authorisations);
        return new DeviceConfigView(deviceId, desiredView, report, reported?.ReceivedAt, drift, reasons, publisher.PublishedVersion(deviceId));
    }

    private static async Task<Results<Ok<DeviceConfigView>, ValidationProblem, ProblemHttpResult>> PutAsync(
        string deviceId, DesiredConfigRequest request, ClaimsPrincipal user, ConfigStore store, ConfigPublisher publisher, DeviceStore devices, LiveBroadcaster live,
        FleetDatabase database, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        // The id becomes a topic level: an MQTT wildcard or separator in it could not be published.
        if (deviceId.Length > PayloadDecoder.MaxIdLength || deviceId.AsSpan().IndexOfAny("/+#\0") >= 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["deviceId"] = [$"deviceId must be 1-{PayloadDecoder.MaxIdLength} characters, none of / + # NUL."] }, title: "Invalid device id");
        }

        // A configuration for an id nobody enrolled nor heard from would create a phantom device (and a retained topic).
        if (!await KnownDevices.IsKnownAsync(database, deviceId, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Device not found", detail: $"No device has the id '{deviceId}': enrol it (or let it connect) before configuring it.");
        }

        if (!DesiredConfigRules.TryValidateCameras(request?.Cameras, out var cameras, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid configuration", detail: $"{errors.Count} field(s) refused by the agent's camera validator; the device keeps its current configuration.");
        }

        if (request!.ExpectedVersion is < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["expectedVersion"] = ["expectedVersion must be 0 (no configuration yet) or a version."] }, title: "Invalid configuration");
        }

        var result = await store.SetDesiredAsync(deviceId, cameras, request.ExpectedVersion, FleetClaims.Name(user), timeProvider.GetUtcNow(), cancellationToken);
        switch (result.Outcome)
        {
            case SetDesiredOutcome.Conflict:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Configuration changed meanwhile",
                    detail: $"The desired configuration of '{deviceId}' is at version {result.CurrentVersion}, not {request.ExpectedVersion}; reload it and apply your change again.");
            case SetDesiredOutcome.Unauthorised:
                var messages = result.Errors!.Values.SelectMany(m => m).ToList();
                return TypedResults.Problem(new HttpValidationProblemDetails(result.Errors)
                {
                    Status = StatusCodes.Status422UnprocessableEntity,
                    Title = "Event not authorised",
                    Detail = messages.Count == 1 ? messages[0] : $"{messages[0]} (and {messages.Count - 1} more)",
                });
        }

        publisher.Notify(deviceId);

        // A device board following the live stream sees the new desired version (and the drift) at once.
        if (live.HasListeners && await devices.FindAsync(deviceId, cancellationToken) is { } device)
        {
            live.Publish(new LiveEvent(LiveEventTypes.Device, JsonSerializer.Serialize(device, FleetJsonContext.Default.DeviceView)));
        }

        return TypedResults.Ok((await ViewAsync(deviceId, store, publisher, redact: false, cancellationToken))!);
    }

    private static async Task<Results<Ok<DeviceConfigView>, ProblemHttpResult>> GetAsync(
        string deviceId, ClaimsPrincipal user, ConfigStore store, ConfigPublisher publisher, DeviceStore devices, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(deviceId, store, publisher, redact: !user.IsInRole(Roles.Admin), cancellationToken);
        if (view is not null)
        {
            return TypedResults.Ok(view);
        }

        // A known device that was never configured from the fleet and never reported: nothing desired, so no drift.
        return await devices.FindAsync(deviceId, cancellationToken) is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Device not found", detail: $"No device has the id '{deviceId}'.")
            : TypedResults.Ok(new DeviceConfigView(deviceId, null, null, null, false, [], null));
    }

    private static async Task<Results<Ok<CameraLayout>, ProblemHttpResult>> LayoutAsync(string deviceId, string cameraId, ConfigStore store, CancellationToken cancellationToken)
    {
        // What runs first: the console draws what the device evaluates, not what it was asked to. The names and the video
        // software's link template come only from the fleet's own configuration: a device cannot make the console show its
        // words or open a link of its choosing.
        var desired = (await store.FindDesiredAsync(deviceId, cancellationToken))?.Message() is { } message ? CameraLayoutReader.Find(message.Cameras, cameraId) : null;
        var named = desired is { } d ? CameraLayoutReader.Read(deviceId, cameraId, "desired", d) : null;
        if ((await store.FindReportedAsync(deviceId, cancellationToken))?.Message is { } reported && CameraLayoutReader.Find(reported.Cameras, cameraId) is { } running)
        {
            return TypedResults.Ok(CameraLayoutReader.Read(deviceId, cameraId, "reported", running) with
            {
                PublicName = named?.PublicName,
                Place = named?.Place,
                DisplayName = named?.DisplayName,
                VmsName = named?.VmsName,
                VmsLinkTemplate = named?.VmsLinkTemplate,
            });
        }

        if (named is not null)
        {
            return TypedResults.Ok(named);
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "Camera not found",
            detail: $"Neither the reported nor the desired configuration of device '{deviceId}' has a camera '{cameraId}'.");
    }
}

/// <summary>Registers the configuration and authorisation features.</summary>
public static class ConfigurationExtensions
{
    /// <summary>
    /// Registers <see cref="ConfigStore"/>, <see cref="Authorisations.AuthorisationStore"/>, <see cref="Authorisations.AuthorisationRegistry"/>
    /// and the <see cref="ConfigPublisher"/> hosted service. Add it after the broker, so the publisher starts after it and stops first.
    /// </summary>
    public static IHostApplicationBuilder AddFleetConfiguration(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Authorisations.AuthorisationStore>();
        builder.Services.AddSingleton<Authorisations.AuthorisationRegistry>();
        builder.Services.AddSingleton<ConfigStore>();
        builder.Services.AddSingleton<ConfigPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConfigPublisher>());
        return builder;
    }
}
