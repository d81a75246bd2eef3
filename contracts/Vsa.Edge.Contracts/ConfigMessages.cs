using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>
/// The configuration the fleet wants a device to run, published retained (QoS 1) on
/// <c>vsa/v1/{deviceId}/config/desired</c> inside a <see cref="Signing.SignedMessage"/> (schema <see cref="SchemaId"/>):
/// the device applies it only when the signature verifies with a key it trusts and <see cref="DeviceId"/> is its own. Each camera is a camera document in exactly the format of the agent's camera
/// files (validated by the agent's <c>CameraConfigLoader</c>, on the fleet before publishing and again on the device).
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device it is for.</param>
/// <param name="Version">Increases by one with every accepted change of this device's desired configuration.</param>
/// <param name="IssuedAt">When the fleet accepted this version.</param>
/// <param name="Cameras">The cameras, each a camera document (id, source, zones, lines, masks, calibration, events).</param>
/// <param name="Authorisations">
/// The prefectoral authorisations covering this device's cameras: the device runs an event on a camera only inside one of
/// these windows, by its own clock, even when it can no longer reach the fleet.
/// </param>
/// <param name="Models">
/// The models the fleet wants the device to run (at most one per kind); null or empty: keep what runs. Added in schema
/// version 1 (optional).
/// </param>
/// <param name="ModelSigningKeys">
/// Public keys (base64 SubjectPublicKeyInfo, ECDSA P-256) whose model packages the device accepts, in addition to those
/// learnt at enrolment; null: no change. Added in schema version 1 (optional).
/// </param>
public sealed record DesiredConfigMessage(
    string Schema,
    int SchemaVersion,
    string DeviceId,
    long Version,
    DateTimeOffset IssuedAt,
    IReadOnlyList<JsonElement> Cameras,
    IReadOnlyList<AuthorisationWindow> Authorisations,
    IReadOnlyList<DesiredModel>? Models = null,
    IReadOnlyList<string>? ModelSigningKeys = null)
{
    /// <summary>Schema identifier of desired configurations.</summary>
    public const string SchemaId = "vsa.config.desired";

    /// <summary>Current schema version of desired configurations.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>One prefectoral authorisation (arrêté) as the device needs it: which events on which cameras, from when to when.</summary>
/// <param name="Reference">The arrêté's reference, as published (for example "2026-DPG-0412").</param>
/// <param name="Service">The service it authorises (for example "Police municipale de Lyon").</param>
/// <param name="Events">Event types it authorises (<see cref="EventType"/> wire names).</param>
/// <param name="Cameras">Camera ids it covers on this device.</param>
/// <param name="StartsAt">First instant of the window, inclusive.</param>
/// <param name="EndsAt">End of the window, exclusive: at this instant the analysis stops.</param>
public sealed record AuthorisationWindow(
    string Reference,
    string Service,
    IReadOnlyList<string> Events,
    IReadOnlyList<string> Cameras,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt);

/// <summary>
/// What a device runs, published retained (QoS 1) on <c>vsa/v1/{deviceId}/config/reported</c> when the agent starts and
/// after every desired configuration it receives, applied or not.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="At">When the device published this report.</param>
/// <param name="Source">Where the running configuration came from.</param>
/// <param name="AppliedVersion">Desired version running now; null when the device runs its local camera files.</param>
/// <param name="LastReceivedVersion">Newest desired version received, applied or not; null when none was received.</param>
/// <param name="Status">What became of the newest desired version received.</param>
/// <param name="Errors">Why it was rejected (each names the field at fault); empty when applied.</param>
/// <param name="Cameras">The camera documents running now (zones, lines, masks: the layout the console draws; no image).</param>
/// <param name="Authorisations">The authorisation windows the device enforces now.</param>
/// <param name="RejectedSha256">
/// When <paramref name="Status"/> is rejected: lower-case hex SHA-256 of the refused message exactly as received on
/// <c>config/desired</c> (the signed envelope's bytes, or whatever came instead), so the fleet records each refusal once
/// however often it is reported. Null when applied. Added in schema version 1 (optional).
/// </param>
public sealed record ReportedConfigMessage(
    string Schema,
    int SchemaVersion,
    string DeviceId,
    DateTimeOffset At,
    ConfigSource Source,
    long? AppliedVersion,
    long? LastReceivedVersion,
    ConfigApplyStatus Status,
    IReadOnlyList<string> Errors,
    IReadOnlyList<JsonElement> Cameras,
    IReadOnlyList<AuthorisationWindow> Authorisations,
    string? RejectedSha256 = null)
{
    /// <summary>Schema identifier of reported configurations.</summary>
    public const string SchemaId = "vsa.config.reported";

    /// <summary>Current schema version of reported configurations.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Most errors a report carries (the fleet refuses more); the agent folds the rest into a last "… and N more".</summary>
    public const int MaxErrors = 64;

    /// <summary>Most characters of one error (the fleet refuses longer ones); the agent shortens longer ones.</summary>
    public const int MaxErrorLength = 1024;

    /// <summary>
    /// <paramref name="errors"/> within <see cref="MaxErrors"/> and <see cref="MaxErrorLength"/>: the first ones kept whole
    /// (shortened when too long), the others counted in a last entry, so a report about a very broken configuration is still
    /// one the fleet accepts.
    /// </summary>
    public static IReadOnlyList<string> Bounded(IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count <= MaxErrors && errors.All(e => e.Length <= MaxErrorLength))
        {
            return errors;
        }

        var kept = errors.Take(errors.Count <= MaxErrors ? MaxErrors : MaxErrors - 1)
            .Select(e => e.Length <= MaxErrorLength ? e : string.Concat(e.AsSpan(0, MaxErrorLength - 1), "…"))
            .ToList();
        if (errors.Count > MaxErrors)
        {
            kept.Add($"… and {errors.Count - kept.Count} more errors");
        }

        return kept;
    }
}

/// <summary>Where a device's running configuration came from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConfigSource>))]
public enum ConfigSource
{
    /// <summary>The camera files named in the agent's own settings (a device not managed by a fleet, or not yet).</summary>
    [JsonStringEnumMemberName("local")] Local,

    /// <summary>A desired configuration received from the fleet (and kept on disk across restarts).</summary>
    [JsonStringEnumMemberName("fleet")] Fleet,
}

/// <summary>What became of the newest desired configuration a device received.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ConfigApplyStatus>))]
public enum ConfigApplyStatus
{
    /// <summary>Valid and running (also: the local configuration running, when nothing was received).</summary>
    [JsonStringEnumMemberName("applied")] Applied,

    /// <summary>Invalid: refused with its errors; the previous configuration keeps running.</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
}
