using System.Text.Json.Serialization;

namespace Vsa.Edge.FleetManager.Rollouts;

/// <summary>
/// <c>POST /api/rollouts</c>: roll the package <paramref name="Package"/> out to a target, in stages (docs/models.md, "Rollouts").
/// Exactly one of <paramref name="Devices"/>, <paramref name="Site"/> and <paramref name="All"/> names the target. Every
/// other field is optional and takes its default from <see cref="RolloutOptions"/>.
/// </summary>
/// <param name="Package">Lower-case hex SHA-256 of an uploaded package.</param>
/// <param name="Kind">Which model it replaces: <c>detector</c> (default) or <c>pose</c>; picks the device's slot to read.</param>
/// <param name="Devices">The target as a list of device ids.</param>
/// <param name="Site">The target as every device whose certificate names this site.</param>
/// <param name="All">The target as every device the fleet knows.</param>
/// <param name="CanaryDevices">Size of the canary in devices (default 1 unless <paramref name="CanaryPercent"/> is given).</param>
/// <param name="CanaryPercent">Size of the canary as a share of the target, in percent (at least one device).</param>
/// <param name="Waves">Cumulative shares of the target after each wave, in percent, increasing, the last 100 (default 10, 50, 100).</param>
/// <param name="SoakMinutes">How long every device of a stage must stay healthy, once all are active, before the next stage.</param>
/// <param name="MaxP95Increase">Largest accepted rise of inference p95 over the previous model's, as a fraction (0.2 = +20 %).</param>
/// <param name="MaxFpsDrop">Largest accepted fall of the frame rate under the previous model's, as a fraction (0.2 = −20 %).</param>
/// <param name="MaxRestarts">Most restarts (offline/online flaps) of a device since its update before it counts as a crash loop.</param>
/// <param name="StageTimeoutMinutes">How long a stage may take to pass before the rollout pauses.</param>
/// <param name="Canary">
/// The canary devices, named by the administrator (devices the fleet's staff can watch, and whose reports it trusts: a
/// device's health is what the device says, red-team note L5); they must be in the target. Instead of
/// <paramref name="CanaryDevices"/> and <paramref name="CanaryPercent"/>, which take the first devices by id.
/// </param>
public sealed record RolloutRequest(
    string? Package,
    string? Kind = null,
    IReadOnlyList<string>? Devices = null,
    string? Site = null,
    bool? All = null,
    int? CanaryDevices = null,
    double? CanaryPercent = null,
    IReadOnlyList<double>? Waves = null,
    double? SoakMinutes = null,
    double? MaxP95Increase = null,
    double? MaxFpsDrop = null,
    int? MaxRestarts = null,
    double? StageTimeoutMinutes = null,
    IReadOnlyList<string>? Canary = null);

/// <summary><c>POST /api/rollouts/{id}/resume|pause|promote|abort</c>: why (kept in the audit log).</summary>
/// <param name="Reason">Free text, at most 500 characters.</param>
public sealed record RolloutActionRequest(string? Reason);

/// <summary>The gates a rollout was started with (stored with it; a restart keeps them).</summary>
/// <param name="SoakMinutes">Soak of each stage once all its devices are active.</param>
/// <param name="MaxP95Increase">Largest accepted rise of inference p95 (fraction).</param>
/// <param name="MaxFpsDrop">Largest accepted fall of the frame rate (fraction).</param>
/// <param name="MaxRestarts">Most restarts of a device since its update.</param>
/// <param name="StageTimeoutMinutes">Longest a stage may take.</param>
public sealed record RolloutGates(double SoakMinutes, double MaxP95Increase, double MaxFpsDrop, int MaxRestarts, double StageTimeoutMinutes);

/// <summary>One stage of a rollout.</summary>
/// <param name="Name"><c>canary</c>, or <c>wave-1</c>, <c>wave-2</c>, ….</param>
/// <param name="Percent">Cumulative share of the target once the stage is done (the canary's: its own share).</param>
/// <param name="Devices">Devices the stage adds.</param>
/// <param name="StartedAt">When its devices were sent the model; null while waiting.</param>
/// <param name="EndedAt">When it passed, was promoted past, or the rollout was aborted during it.</param>
/// <param name="Outcome"><c>passed</c>, <c>promoted</c> or <c>aborted</c>; null while not ended.</param>
public sealed record RolloutStage(string Name, double Percent, int Devices, DateTimeOffset? StartedAt = null, DateTimeOffset? EndedAt = null, string? Outcome = null);

/// <summary>Where a rollout stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RolloutStatus>))]
public enum RolloutStatus
{
    /// <summary>The driver moves it on.</summary>
    [JsonStringEnumMemberName("running")] Running,

    /// <summary>A gate failed or an administrator paused it: nothing more is sent until resumed, promoted or aborted.</summary>
    [JsonStringEnumMemberName("paused")] Paused,

    /// <summary>Every stage passed (or was promoted past).</summary>
    [JsonStringEnumMemberName("completed")] Completed,

    /// <summary>Aborted: every touched device was given its previous model back.</summary>
    [JsonStringEnumMemberName("aborted")] Aborted,
}

/// <summary>A rollout as the API shows it.</summary>
/// <param name="Id">Rollout id.</param>
/// <param name="Package">SHA-256 of the package rolled out.</param>
/// <param name="Kind">Model kind.</param>
/// <param name="ModelId">Model id as the devices report it (null until one reports the update).</param>
/// <param name="ModelVersion">Model version as the devices report it.</param>
/// <param name="Target">What was targeted: <c>devices:a,b</c>, <c>site:NAME</c> or <c>all</c>.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Stage">Index of the current stage in <paramref name="Stages"/> (= the count once completed).</param>
/// <param name="Stages">Its stages.</param>
/// <param name="Gates">The gates.</param>
/// <param name="Reason">Why it is paused or aborted (the failed gate and device), null otherwise.</param>
/// <param name="CreatedAt">When it was started.</param>
/// <param name="CreatedBy">Who started it.</param>
/// <param name="UpdatedAt">Last change.</param>
/// <param name="Counts">Devices per state.</param>
/// <param name="Devices">Every targeted device (in <c>GET /api/rollouts/{id}</c>; empty in the list).</param>
public sealed record RolloutView(
    long Id,
    string Package,
    string Kind,
    string? ModelId,
    string? ModelVersion,
    string Target,
    RolloutStatus Status,
    int Stage,
    IReadOnlyList<RolloutStage> Stages,
    RolloutGates Gates,
    string? Reason,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<RolloutDeviceView> Devices);

/// <summary>One device of a rollout.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Stage">Index of its stage.</param>
/// <param name="State">
/// <c>queued</c> (its stage has not started), then the device's own report (<c>pending</c>, <c>downloading</c>,
/// <c>verifying</c>, <c>validating</c>, <c>soaking</c>, <c>active</c>, <c>rolled-back</c>, <c>failed</c>), or after an
/// abort <c>restoring</c> then <c>restored</c>.
/// </param>
/// <param name="Reason">Why it failed, was rolled back or refused; null otherwise.</param>
/// <param name="Gate">The gate for this device: <c>ok</c>, <c>waiting: …</c>, <c>failed: …</c> or <c>waived</c>.</param>
/// <param name="PreviousVersion">The version it ran before (<c>factory</c> for the installed model); null before its stage.</param>
/// <param name="BaselineP95">Its inference p95 (ms, worst camera) under the previous model, at assignment.</param>
/// <param name="BaselineFps">Its frame rate (all cameras) under the previous model, at assignment.</param>
/// <param name="P95">Its inference p95 in the newest heartbeat since the model became active.</param>
/// <param name="Fps">Its frame rate in that heartbeat.</param>
/// <param name="Restarts">Restarts seen since the assignment.</param>
/// <param name="AssignedAt">When the model was sent.</param>
/// <param name="ActiveAt">When the fleet first saw it serving the new model.</param>
/// <param name="StateAt">Last change of <paramref name="State"/>.</param>
public sealed record RolloutDeviceView(
    string DeviceId,
    int Stage,
    string State,
    string? Reason,
    string Gate,
    string? PreviousVersion,
    double? BaselineP95,
    double? BaselineFps,
    double? P95,
    double? Fps,
    int Restarts,
    DateTimeOffset? AssignedAt,
    DateTimeOffset? ActiveAt,
    DateTimeOffset? StateAt);

/// <summary>The model a device runs and its newest update, for the device board (<c>GET /api/rollouts/models</c>).</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Kind">Model kind.</param>
/// <param name="ActiveId">Model serving frames.</param>
/// <param name="ActiveVersion">Its version.</param>
/// <param name="PreviousVersion">Kept for rollback.</param>
/// <param name="UpdateVersion">Newest update asked for.</param>
/// <param name="UpdateState">Where it stands (ModelUpdateState wire name).</param>
/// <param name="UpdateReason">Why it failed or was rolled back.</param>
/// <param name="RolloutId">The rollout the device is in (open), null when none.</param>
public sealed record DeviceModelView(
    string DeviceId,
    string Kind,
    string ActiveId,
    string ActiveVersion,
    string? PreviousVersion,
    string? UpdateVersion,
    string? UpdateState,
    string? UpdateReason,
    long? RolloutId);
