using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>Body of <c>PUT /api/devices/{deviceId}/model</c>: exactly one of a stored package or back to the factory model.</summary>
/// <param name="Sha256">The package to run (<see cref="ModelPackageView.Sha256"/>).</param>
/// <param name="Factory">True: back to the model the device was installed with.</param>
/// <param name="Kind">With <paramref name="Factory"/>: which model goes back, <c>detector</c> (default) or <c>pose</c> (a package names its own kind).</param>
public sealed record ModelAssignmentRequest(string? Sha256, bool Factory = false, string? Kind = null);

/// <summary>The models of one device: what the fleet wants it to run and what it reports.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="DesiredVersion">The desired-configuration version that names <paramref name="Desired"/>; null without one.</param>
/// <param name="Desired">The models of its current desired state (empty: it keeps what it runs).</param>
/// <param name="Reported">Its newest model report; null when it never sent one.</param>
/// <param name="ReportedReceivedAt">When the fleet received that report.</param>
public sealed record DeviceModelsView(string DeviceId, long? DesiredVersion, IReadOnlyList<DesiredModel> Desired, ModelReportedMessage? Reported, DateTimeOffset? ReportedReceivedAt);

/// <summary>HTTP endpoints of model delivery (the device download endpoint is <see cref="ModelDeliveryServer"/>, on its own port).</summary>
public static partial class ModelEndpoints
{
    /// <summary>
    /// Maps <c>POST /api/models</c> (administrators: the package file as the raw body; 201, 200 when the very same file is
    /// already stored, 422 with the refusal's <c>reason</c>, 413 over the size limit), <c>GET /api/models</c> (administrators and
    /// auditors), <c>PUT /api/devices/{deviceId}/model</c> (administrators; 422 with the reason when refused) and
    /// <c>GET /api/devices/{deviceId}/models</c> (any signed-in account).
    /// </summary>
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/api/models");
        models.MapPost("/", UploadAsync).RequireAuthorization(FleetPolicies.Manage).WithName("UploadModelPackage");
        models.MapGet("/", async (ModelPackageStore store, CancellationToken ct) => TypedResults.Ok(await store.ListAsync(ct)))
            .RequireAuthorization(FleetPolicies.ReadAudit).WithName("ListModelPackages");
        app.MapPut("/api/devices/{deviceId}/model", AssignAsync).RequireAuthorization(FleetPolicies.Manage).WithName("AssignDeviceModel");
        app.MapGet("/api/devices/{deviceId}/models", DeviceModelsAsync).WithName("GetDeviceModels");
        return app;
    }

    private static async Task<Results<Created<ModelPackageView>, Ok<ModelPackageView>, ProblemHttpResult>> UploadAsync(
        HttpContext context, ClaimsPrincipal user, ModelPackageStore store, IOptions<ModelOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(ModelEndpoints));
        var actor = FleetClaims.Name(user);
        var limit = options.Value.MaxPackageBytes;
        if (context.Request.ContentLength > limit)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Model package too large", detail: new ModelPackageTooLargeException(limit).Message);
        }

        // The server's default body limit (30 MB) is below a real package: this request may carry up to the configured limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit + 1;
        }

        ModelUpload upload;
        try
        {
            upload = await store.UploadAsync(context.Request.Body, actor, cancellationToken);
        }
        catch (ModelPackageTooLargeException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Model package too large", detail: ex.Message);
        }

        if (upload.Refusal is { } refusal)
        {
            var report = refusal.Report;
            LogUploadRefused(logger, actor, report);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Model package refused",
                detail: refusal.Report,
                extensions: new Dictionary<string, object?> { ["reason"] = Contracts.ModelPackages.ModelPackageRefusals.WireName(refusal.Reason) });
        }

        var package = upload.Package!;
        if (upload.AlreadyStored)
        {
            return TypedResults.Ok(package);
        }

        LogUploaded(logger, package.Id, package.Version, package.Sha256, actor);
        return TypedResults.Created($"/api/models/{package.Sha256}", package);
    }

    private static async Task<Results<Ok<ModelAssignment>, ValidationProblem, ProblemHttpResult>> AssignAsync(
        string deviceId, ModelAssignmentRequest? request, ClaimsPrincipal user, IModelAssigner assigner, CancellationToken cancellationToken)
    {
        if (request is null || (request.Sha256 is null) == !request.Factory)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["sha256"] = ["give either sha256 (a stored package) or factory: true (back to the installed model), not both."] },
                title: "Invalid model assignment");
        }

        var result = request.Factory
            ? await assigner.AssignFactoryAsync(deviceId, request.Kind ?? "detector", null, FleetClaims.Name(user), cancellationToken)
            : await assigner.AssignAsync(deviceId, request.Sha256, null, FleetClaims.Name(user), cancellationToken);
        return result.Accepted
            ? TypedResults.Ok(result)
            : TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Model assignment refused", detail: result.Reason);
    }

    private static async Task<Results<Ok<DeviceModelsView>, ProblemHttpResult>> DeviceModelsAsync(
        string deviceId, DeviceStore devices, ConfigStore configs, ModelReportStore reports, CancellationToken cancellationToken)
    {
        var desired = await configs.FindDesiredAsync(deviceId, cancellationToken);
        var reported = await reports.FindAsync(deviceId, cancellationToken);
        if (desired is null && reported is null && await devices.FindAsync(deviceId, cancellationToken) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Device not found", detail: $"No device has the id '{deviceId}'.");
        }

        return TypedResults.Ok(new DeviceModelsView(deviceId, desired?.Version, desired?.Message().Models ?? [], reported?.Report, reported?.ReceivedAt));
    }

    [LoggerMessage(EventId = 12301, Level = LogLevel.Information, Message = "Model package {ModelId} {Version} ({Sha256}) uploaded by {Actor}")]
    private static partial void LogUploaded(ILogger logger, string modelId, string version, string sha256, string actor);

    [LoggerMessage(EventId = 12302, Level = LogLevel.Warning, Message = "Model package upload by {Actor} refused: {Reason}")]
    private static partial void LogUploadRefused(ILogger logger, string actor, string reason);
}

/// <summary>Registers model delivery.</summary>
public static class ModelUpdatesExtensions
{
    /// <summary>
    /// Binds and validates <see cref="ModelOptions"/> on start, registers <see cref="ModelSigningKeyring"/>,
    /// <see cref="ModelPackageStore"/>, <see cref="ModelReportStore"/> (also as <see cref="IModelReports"/>),
    /// <see cref="ModelAssigner"/> (as <see cref="IModelAssigner"/>) and the <see cref="ModelDeliveryServer"/> hosted service.
    /// Add it after the configuration (its publisher) and the trust services.
    /// </summary>
    public static IHostApplicationBuilder AddFleetModels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddFleetModelStores();
        builder.Services.AddSingleton<ModelDeliveryUrls>();
        builder.Services.AddSingleton<ModelAssigner>();
        builder.Services.AddSingleton<IModelAssigner>(sp => sp.GetRequiredService<ModelAssigner>());
        builder.Services.AddSingleton<ModelDeliveryServer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelDeliveryServer>());
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(ModelJsonContext.Default));
        return builder;
    }

    /// <summary>The options, the keyring and the stores (what the command line needs too).</summary>
    public static IServiceCollection AddFleetModelStores(this IServiceCollection services)
    {
        services.AddOptions<ModelOptions>().BindConfiguration(ModelOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ModelOptions>, ModelOptionsValidator>();
        services.AddSingleton<ModelSigningKeyring>();
        services.AddSingleton<ModelPackageStore>();
        services.AddSingleton<ModelReportStore>();
        services.AddSingleton<IModelReports>(sp => sp.GetRequiredService<ModelReportStore>());
        return services;
    }
}
