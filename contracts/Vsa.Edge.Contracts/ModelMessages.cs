using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>
/// A model the fleet wants a device to run, carried in <see cref="DesiredConfigMessage.Models"/> (so it is signed with the
/// desired state): the device fetches the package from <paramref name="Url"/> over HTTPS with its own client certificate,
/// checks <paramref name="Size"/> and <paramref name="Sha256"/>, verifies the package's own signature with a key in
/// <see cref="DesiredConfigMessage.ModelSigningKeys"/> (or learnt at enrolment), validates it on its validation set and
/// switches to it (docs/models.md).
/// </summary>
/// <param name="Kind"><c>detector</c> or <c>pose</c> (<see cref="ModelPackages.ModelPackageMetadata.Kind"/>): which model it replaces.</param>
/// <param name="Id">Model id (the package metadata's).</param>
/// <param name="Version">
/// Package version (the package metadata's); <see cref="FactoryVersion"/>: go back to the model the device was installed
/// with (then <paramref name="Sha256"/> and <paramref name="Url"/> are empty and <paramref name="Size"/> 0).
/// </param>
/// <param name="Sha256">Lower-case hex SHA-256 of the whole package file.</param>
/// <param name="Size">Size of the package file in bytes.</param>
/// <param name="Url">Where to fetch it: an https URL on the fleet, served only to this device's client certificate.</param>
/// <param name="RolloutId">The rollout that asked for it (reported back with the device's progress); null when set by hand.</param>
public sealed record DesiredModel(string Kind, string Id, string Version, string Sha256, long Size, string Url, string? RolloutId = null)
{
    /// <summary>The version that means the model the device was installed with.</summary>
    public const string FactoryVersion = "factory";
}

/// <summary>
/// The models a device runs and what became of the newest one it was asked to run, published by the device, retained,
/// QoS 1, on <c>vsa/v1/{deviceId}/model/reported</c> when the agent starts and at every step of an update.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="At">When the device published this report.</param>
/// <param name="Models">One entry per model kind the device runs (detector, pose).</param>
public sealed record ModelReportedMessage(string Schema, int SchemaVersion, string DeviceId, DateTimeOffset At, IReadOnlyList<ModelSlotReport> Models)
{
    /// <summary>Schema identifier of model reports.</summary>
    public const string SchemaId = "vsa.model.reported";

    /// <summary>Current schema version of model reports.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>One model kind on a device.</summary>
/// <param name="Kind"><c>detector</c> or <c>pose</c>.</param>
/// <param name="ActiveId">Id of the model serving frames now.</param>
/// <param name="ActiveVersion">Its version (<c>factory</c> for the model the device was installed with).</param>
/// <param name="ActiveSha256">SHA-256 of its package; null for the factory model.</param>
/// <param name="PreviousVersion">The version kept in the other slot to roll back to; null when none.</param>
/// <param name="Update">The newest update asked for and where it stands; null when none was asked for.</param>
public sealed record ModelSlotReport(string Kind, string ActiveId, string ActiveVersion, string? ActiveSha256, string? PreviousVersion, ModelUpdateReport? Update);

/// <summary>Where one model update stands on a device.</summary>
/// <param name="Id">Model id asked for.</param>
/// <param name="Version">Version asked for.</param>
/// <param name="Sha256">SHA-256 of the package asked for.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Reason">Why it failed or was rolled back (names what is wrong); null otherwise.</param>
/// <param name="At">When it reached this state.</param>
/// <param name="RolloutId">The rollout that asked for it, as in <see cref="DesiredModel.RolloutId"/>.</param>
/// <param name="Figures">What the device measured on the way (any may be null).</param>
public sealed record ModelUpdateReport(
    string Id,
    string Version,
    string Sha256,
    ModelUpdateState State,
    string? Reason,
    DateTimeOffset At,
    string? RolloutId = null,
    ModelUpdateFigures? Figures = null);

/// <summary>Figures a device measured during an update.</summary>
/// <param name="BytesDownloaded">Bytes received for the package (a resumed download counts only what was sent again).</param>
/// <param name="BytesResumedFrom">Offset the last download resumed from; 0 or null when it started at the beginning.</param>
/// <param name="SessionLoadMs">Time to load the candidate into its own session (on a Jetson: TensorRT engine build or cache hit).</param>
/// <param name="ValidationMsPerFrame">Mean inference time per validation frame.</param>
/// <param name="ValidationFps">Model runs per second on the validation set.</param>
/// <param name="InferenceMsP95">Inference p95 since the switch (soak).</param>
/// <param name="Fps">Frames analysed per second since the switch (soak), all cameras.</param>
/// <param name="FramesLost">Frames captured but not analysed across the switch (must be 0).</param>
public sealed record ModelUpdateFigures(
    long? BytesDownloaded = null,
    long? BytesResumedFrom = null,
    double? SessionLoadMs = null,
    double? ValidationMsPerFrame = null,
    double? ValidationFps = null,
    double? InferenceMsP95 = null,
    double? Fps = null,
    long? FramesLost = null);

/// <summary>Where a model update stands on a device (docs/models.md: the states and what moves between them).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelUpdateState>))]
public enum ModelUpdateState
{
    /// <summary>Asked for, not started (waiting for a download slot or the uplink).</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    /// <summary>The package is being fetched.</summary>
    [JsonStringEnumMemberName("downloading")] Downloading,

    /// <summary>Size, hash and signature being checked.</summary>
    [JsonStringEnumMemberName("verifying")] Verifying,

    /// <summary>Loaded into its own session and run on its validation set.</summary>
    [JsonStringEnumMemberName("validating")] Validating,

    /// <summary>Serving frames, watched for the soak period; rolled back by the device on failure.</summary>
    [JsonStringEnumMemberName("soaking")] Soaking,

    /// <summary>Serving frames, soak passed.</summary>
    [JsonStringEnumMemberName("active")] Active,

    /// <summary>Served frames, then failed its soak (or was aborted): the previous model serves again.</summary>
    [JsonStringEnumMemberName("rolled-back")] RolledBack,

    /// <summary>Refused before serving a frame (download, size, hash, signature, expiry, downgrade, validation); the running model never stopped.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}
