using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>
/// Something that happened to the device itself (not an alert): a camera lost or regained, the enclosure opened, the
/// maintenance switch turned. Published on <c>vsa/v1/{deviceId}/events</c>, QoS 1, not retained. Like alerts, it carries
/// metadata only: no image and no person-related data.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="MessageId">Unique per message (UUIDv7); a QoS 1 redelivery carries the same value.</param>
/// <param name="DeviceId">The publishing device.</param>
/// <param name="Kind">What happened.</param>
/// <param name="At">When the agent observed it.</param>
/// <param name="CameraId">The camera, for <see cref="DeviceEventKind.CameraOffline"/> and <see cref="DeviceEventKind.CameraOnline"/>; absent otherwise.</param>
/// <param name="Reason">Why, in words, for people (for example "no frame for 10 s", "cannot be opened: connection refused").</param>
/// <param name="SuppressedAlerts">For <see cref="DeviceEventKind.MaintenanceOff"/>: alerts suppressed while maintenance was on.</param>
public sealed record DeviceEvent(
    string Schema,
    int SchemaVersion,
    string MessageId,
    string DeviceId,
    DeviceEventKind Kind,
    DateTimeOffset At,
    string? CameraId,
    string? Reason,
    long? SuppressedAlerts)
{
    /// <summary>Schema identifier of device events.</summary>
    public const string SchemaId = "vsa.device-event";

    /// <summary>Current schema version of device events.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>Kinds of <see cref="DeviceEvent"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeviceEventKind>))]
public enum DeviceEventKind
{
    /// <summary>A camera stopped delivering frames (lost, stalled, cannot be opened, or its pipeline failed).</summary>
    [JsonStringEnumMemberName("camera_offline")] CameraOffline,

    /// <summary>A camera delivers frames again (or for the first time).</summary>
    [JsonStringEnumMemberName("camera_online")] CameraOnline,

    /// <summary>The enclosure tamper switch opened.</summary>
    [JsonStringEnumMemberName("tamper")] Tamper,

    /// <summary>The enclosure tamper switch closed again.</summary>
    [JsonStringEnumMemberName("tamper_cleared")] TamperCleared,

    /// <summary>The maintenance switch was turned on: alerts are suppressed (counted, not sent).</summary>
    [JsonStringEnumMemberName("maintenance_on")] MaintenanceOn,

    /// <summary>The maintenance switch was turned off: alerts are sent again.</summary>
    [JsonStringEnumMemberName("maintenance_off")] MaintenanceOff,
}
