using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.ModelPackages;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.ModelUpdates;

/// <summary>
/// <see cref="IModelAssigner"/> over the desired configuration: an assignment is the device's next desired version (same
/// cameras and windows) whose <see cref="DesiredConfigMessage.Models"/> names the package (replacing the model of the same
/// kind, keeping the others) with the trusted model-signing keys, written with its audit entries in one transaction, then
/// published signed by <see cref="ConfigPublisher"/> like any version. Later versions keep the models (<see cref="ConfigStore"/>).
/// </summary>
public sealed partial class ModelAssigner(
    FleetDatabase database, ConfigStore configs, ModelPackageStore packages, ConfigPublisher publisher, IAuditLog audit,
    ModelSigningKeyring keys, ModelDeliveryUrls urls, TimeProvider time, ILogger<ModelAssigner> logger) : IModelAssigner
{
    /// <inheritdoc />
    public async Task<ModelAssignment> CheckAsync(string deviceId, string? packageSha256, CancellationToken cancellationToken) =>
        (await PrepareAsync(deviceId, packageSha256, ModelPackageMetadata.DetectorKind, null, cancellationToken)).Assignment;

    /// <inheritdoc />
    public Task<ModelAssignment> AssignAsync(string deviceId, string? packageSha256, string? rolloutId, string actor, CancellationToken cancellationToken) =>
        AssignAsync(deviceId, packageSha256, ModelPackageMetadata.DetectorKind, rolloutId, actor, cancellationToken);

    /// <inheritdoc />
    public Task<ModelAssignment> AssignFactoryAsync(string deviceId, string kind, string? rolloutId, string actor, CancellationToken cancellationToken) =>
        kind is ModelPackageMetadata.DetectorKind or ModelPackageMetadata.PoseKind
            ? AssignAsync(deviceId, null, kind, rolloutId, actor, cancellationToken)
            : Task.FromResult(new ModelAssignment(false, $"kind '{kind}' is not detector or pose", null));

    // packageSha256 null: the factory model of factoryKind.
    private async Task<ModelAssignment> AssignAsync(string deviceId, string? packageSha256, string factoryKind, string? rolloutId, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var (checkedAssignment, model) = await PrepareAsync(deviceId, packageSha256, factoryKind, rolloutId, cancellationToken);
        if (model is null)
        {
            return checkedAssignment;
        }

        var now = time.GetUtcNow();
        var issued = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var reason = model.Version == DesiredModel.FactoryVersion ? $"model {model.Kind}: back to factory" : $"model {model.Kind}: {model.Id} {model.Version}";
            var record = await configs.SetModelAsync(connection, transaction, deviceId, model, keys.Base64.Count > 0 ? keys.Base64 : null, actor, reason, now, cancellationToken);
            if (record is not null)
            {
                await audit.AppendAsync(connection, transaction, new AuditEvent(actor, ModelAuditActions.Assign, $"device:{deviceId}", new JsonObject
                {
                    ["kind"] = model.Kind,
                    ["id"] = model.Id,
                    ["version"] = model.Version,
                    ["sha256"] = model.Sha256,
                    ["rolloutId"] = model.RolloutId,
                    ["desiredVersion"] = record.Version,
                }), cancellationToken);
            }

            return record;
        }, cancellationToken);

        if (issued is null)
        {
            return new ModelAssignment(false, $"device '{deviceId}' has no desired configuration from the fleet: set its cameras first (PUT /api/devices/{deviceId}/config)", null);
        }

        publisher.Notify(deviceId);
        LogAssigned(logger, deviceId, model.Id, model.Version, issued.Version, rolloutId);
        return new ModelAssignment(true, null, issued.Version);
    }

    private async Task<(ModelAssignment Assignment, DesiredModel? Model)> PrepareAsync(string deviceId, string? packageSha256, string factoryKind, string? rolloutId, CancellationToken cancellationToken)
    {
        static (ModelAssignment, DesiredModel?) Refuse(string reason) => (new ModelAssignment(false, reason, null), null);

        if (string.IsNullOrEmpty(deviceId) || !await KnownDevices.IsKnownAsync(database, deviceId, cancellationToken))
        {
            return Refuse($"unknown device '{deviceId}' (neither enrolled nor heard from)");
        }

        var desired = await configs.FindDesiredAsync(deviceId, cancellationToken);
        if (desired is null)
        {
            return Refuse($"device '{deviceId}' has no desired configuration from the fleet: set its cameras first (PUT /api/devices/{deviceId}/config)");
        }

        var message = desired.Message();
        if (packageSha256 is null)
        {
            var id = message.Models?.FirstOrDefault(m => m.Kind == factoryKind)?.Id ?? "factory";
            return (new ModelAssignment(true, null, null), new DesiredModel(factoryKind, id, DesiredModel.FactoryVersion, string.Empty, 0, string.Empty, rolloutId));
        }

        var package = await packages.FindAsync(packageSha256, cancellationToken);
        if (package is null)
        {
            return Refuse($"unknown model package '{packageSha256}' (upload it first: POST /api/models)");
        }

        if (package.ExpiresAt <= time.GetUtcNow())
        {
            return Refuse($"model package {package.Id} {package.Version} expired at {package.ExpiresAt:O}: devices would refuse it; sign it again");
        }

        var missing = package.Kind == ModelPackageMetadata.PoseKind
            ? PoseMissing(package, message.Cameras)
            : ModelCategoryCheck.Missing(package.Kind, package.Id, package.Version, package.Categories, message.Cameras);
        if (missing is not null)
        {
            return Refuse($"device '{deviceId}': {missing}");
        }

        return (new ModelAssignment(true, null, null),
            new DesiredModel(package.Kind, package.Id, package.Version, package.Sha256, package.Size, urls.For(package.Sha256), rolloutId));
    }

    // A pose package's keypoints and events are in its signed metadata (the table keeps categories only).
    private string? PoseMissing(ModelPackageView package, IReadOnlyList<System.Text.Json.JsonElement> cameras)
    {
        try
        {
            return PoseModelCheck.Missing(PoseModelCheck.ReadMetadata(packages.PathOf(package.Sha256), keys), cameras);
        }
        catch (Exception ex) when (ex is ModelPackageException or IOException)
        {
            return $"pose model {package.Id} {package.Version}: its stored metadata cannot be read ({ex.Message})";
        }
    }

    [LoggerMessage(EventId = 12310, Level = LogLevel.Information, Message = "Model {ModelId} {Version} assigned to {DeviceId} (desired version {DesiredVersion}, rollout {RolloutId})")]
    private static partial void LogAssigned(ILogger logger, string deviceId, string modelId, string version, long desiredVersion, string? rolloutId);
}

/// <summary>Where devices fetch packages: <see cref="ModelOptions.PublicBaseUrl"/>, else <c>https://localhost:{port}</c>.</summary>
public sealed class ModelDeliveryUrls(IOptions<ModelOptions> options)
{
    /// <summary>The path of a package on the delivery endpoint, relative to the base URL.</summary>
    public const string PathPrefix = "/device/v1/models/";

    /// <summary>The port the endpoint listens on, once started (set by <see cref="ModelDeliveryServer"/>; the configured one before).</summary>
    public int BoundPort { get; internal set; } = options.Value.DeliveryPort;

    /// <summary>The base URL devices use.</summary>
    public string BaseUrl => (options.Value.PublicBaseUrl ?? $"https://localhost:{BoundPort}").TrimEnd('/');

    /// <summary>The URL of the package <paramref name="sha256"/>.</summary>
    public string For(string sha256) => BaseUrl + PathPrefix + sha256;
}
