namespace Vsa.Edge.Contracts;

/// <summary>
/// An alert published on <c>vsa/v1/{deviceId}/alerts</c>. It is an attention signal for a human operator, and metadata only:
/// by construction it has no field that could carry an image, a crop, a face, an identity or a cross-camera track (LEGAL.md #3, #4).
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/> for messages written by this code.</param>
/// <param name="MessageId">Unique per message (UUIDv7); a QoS 1 redelivery carries the same value, so consumers deduplicate on it.</param>
/// <param name="AlertId">Unique per alert (UUIDv7); the start, update and end messages of one alert share it.</param>
/// <param name="Sequence">0 for the start message, then 1, 2, … for each later message of the same alert.</param>
/// <param name="DeviceId">The publishing device.</param>
/// <param name="CameraId">The camera, unique within the device.</param>
/// <param name="EventType">One of the eight authorised events.</param>
/// <param name="State">Lifecycle state this message reports.</param>
/// <param name="StartedAt">When the condition started to hold (frame timestamp).</param>
/// <param name="ObservedAt">Frame timestamp of the observation this message reports.</param>
/// <param name="EndedAt">When the condition stopped holding; only on <see cref="AlertState.End"/>.</param>
/// <param name="ZoneId">The zone or line the alert concerns, if any.</param>
/// <param name="Confidence">Confidence in [0, 1] (the mean detector score of the objects that raised it).</param>
/// <param name="Measurement">The measured quantity (duration, count, density, speed, …).</param>
/// <param name="Objects">The objects involved, boxes normalised to the frame.</param>
/// <param name="Model">The model that produced the detections.</param>
public sealed record AlertMessage(
    string Schema,
    int SchemaVersion,
    string MessageId,
    string AlertId,
    int Sequence,
    string DeviceId,
    string CameraId,
    EventType EventType,
    AlertState State,
    DateTimeOffset StartedAt,
    DateTimeOffset ObservedAt,
    DateTimeOffset? EndedAt,
    string? ZoneId,
    double Confidence,
    Measurement? Measurement,
    IReadOnlyList<AlertObject> Objects,
    ModelRef Model)
{
    /// <summary>Schema identifier of alert messages.</summary>
    public const string SchemaId = "vsa.alert";

    /// <summary>Current schema version of alert messages.</summary>
    public const int CurrentVersion = 1;

    /// <summary>
    /// Why an <see cref="AlertState.End"/> message ended the alert: absent (as in every message before this field existed)
    /// or <see cref="AlertEndReason.Cleared"/> when the condition stopped holding; <see cref="AlertEndReason.Interrupted"/>
    /// when nobody saw it stop (the agent died with the alert open and ends it at its restart, or the fleet gave up on a
    /// device that stayed offline); <see cref="AlertEndReason.Suspended"/> when the kill switch stopped the camera's analysis.
    /// Absent on start and update messages.
    /// </summary>
    public AlertEndReason? EndReason { get; init; }
}

/// <summary>Why an alert ended (<see cref="AlertMessage.EndReason"/>).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<AlertEndReason>))]
public enum AlertEndReason
{
    /// <summary>The condition stopped holding (observed).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("cleared")] Cleared,

    /// <summary>The alert was open when its agent stopped without ending it (crash, kill, power loss); its end was not observed.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("interrupted")] Interrupted,

    /// <summary>The camera's analysis was suspended (kill switch: by the fleet or the device's local kill input) while the alert was open.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("suspended")] Suspended,
}

/// <summary>An object involved in an alert.</summary>
/// <param name="Class">Class label from the model manifest (for example <c>person</c>).</param>
/// <param name="Score">Detector score in [0, 1].</param>
/// <param name="Box">[x, y, w, h] normalised to the frame (0..1).</param>
/// <param name="TrackId">Track id, unique within one camera and one agent run only; never shared across cameras.</param>
public sealed record AlertObject(string Class, double Score, double[] Box, int? TrackId);

/// <summary>A measured quantity with its unit (for example 4.2 "s", 1.8 "persons/m2").</summary>
/// <param name="Name">What is measured: duration, count, density, speed, distance.</param>
/// <param name="Value">The value.</param>
/// <param name="Unit">The unit, SI where calibrated, "px" or "count" otherwise.</param>
public sealed record Measurement(string Name, double Value, string Unit);

/// <summary>Identifies a model by its manifest id and version.</summary>
/// <param name="Id">Manifest id.</param>
/// <param name="Version">Manifest version.</param>
public sealed record ModelRef(string Id, string Version);
