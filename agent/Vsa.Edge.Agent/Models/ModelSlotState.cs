using System.Text.Json.Serialization;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// What <c>{data}/models/state.json</c> records: which slot runs, which one it replaced, and whether the running model is
/// still on probation (soak). Replaced as a whole by an atomic rename: after a power cut it is the old or the new record.
/// </summary>
/// <param name="Active">Slot that runs: <c>a</c>, <c>b</c> or <see cref="ModelSlotState.Factory"/> (the configured model folder).</param>
/// <param name="ActiveId">Model id in the active slot (null for the factory model).</param>
/// <param name="ActiveVersion">Package version in the active slot (null for the factory model).</param>
/// <param name="Previous">Slot to roll back to; <see cref="ModelSlotState.Factory"/> when none is kept.</param>
/// <param name="PreviousVersion">Its version, for reports.</param>
/// <param name="Soaking">True while the active model is watched after a switch.</param>
/// <param name="SoakStartedAt">When the soak began.</param>
/// <param name="StartsDuringSoak">Agent starts since the switch: a model that crashes the agent at start is rolled back after a few.</param>
/// <param name="Last">What happened last (reported to the fleet).</param>
/// <param name="ActiveSha256">SHA-256 of the package the active slot came from (null for the factory model, or a state written before it was kept): after a restart the agent still reports which package it runs.</param>
/// <param name="PreviousSha256">The same for the rollback target.</param>
/// <param name="SoakBaselineFps">The previous model's frame rate the soak compares with (0: no frame-rate gate), so a soak survives a restart.</param>
public sealed record ModelSlotState(
    string Active,
    string? ActiveId,
    string? ActiveVersion,
    string Previous,
    string? PreviousVersion,
    bool Soaking,
    DateTimeOffset? SoakStartedAt,
    int StartsDuringSoak,
    ModelOutcome? Last,
    string? ActiveSha256 = null,
    string? PreviousSha256 = null,
    double? SoakBaselineFps = null)
{
    /// <summary>The model the agent was installed with (<c>Inference:ModelDirectory</c>).</summary>
    public const string Factory = "factory";

    /// <summary>The state before any update.</summary>
    public static ModelSlotState Initial { get; } = new(Factory, null, null, Factory, null, false, null, 0, null);
}

/// <summary>The result of the last update step a device reports.</summary>
/// <param name="Version">Package version it concerns.</param>
/// <param name="State">One of <see cref="ModelUpdateStates"/>.</param>
/// <param name="Reason">Why (refusal, failed validation, rollback cause), null when it went well.</param>
/// <param name="At">When.</param>
/// <param name="Sha256">SHA-256 of the package it concerns, when known (the fleet names updates by it).</param>
public sealed record ModelOutcome(string Version, string State, string? Reason, DateTimeOffset At, string? Sha256 = null);

/// <summary>Per-device update states, as the fleet shows them.</summary>
public static class ModelUpdateStates
{
    public const string Downloading = "downloading";
    public const string Verifying = "verifying";
    public const string Validating = "validating";
    public const string Active = "active";
    public const string RolledBack = "rolled-back";
    public const string Failed = "failed";
}

/// <summary>Source-generated JSON for the slot state.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelSlotState))]
internal sealed partial class ModelSlotJsonContext : JsonSerializerContext;
