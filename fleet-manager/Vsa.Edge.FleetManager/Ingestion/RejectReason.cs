namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>Why an incoming MQTT message was refused. Each is counted and logged; none stops the ingestion.</summary>
public enum RejectReason
{
    /// <summary>The topic is not <c>vsa/v1/{deviceId}/{alerts|health|status|config/reported}</c>.</summary>
    UnknownTopic,

    /// <summary>The payload is larger than <see cref="IngestionOptions.MaxPayloadBytes"/>.</summary>
    PayloadTooLarge,

    /// <summary>The payload is not a JSON object (or is nested deeper than <see cref="WireJson.MaxDepth"/>).</summary>
    MalformedJson,

    /// <summary>
    /// The payload is not valid UTF-8, or a string escape decodes to no character (an unpaired surrogate such as <c>\ud800</c>).
    /// </summary>
    InvalidUtf8,

    /// <summary>The <c>schema</c> field is missing or not the one of the topic.</summary>
    UnknownSchema,

    /// <summary>The <c>schemaVersion</c> is one this fleet manager does not read.</summary>
    UnsupportedVersion,

    /// <summary>
    /// The JSON does not fit the schema, or a field is missing or out of range: a number that is not finite or is written as a
    /// string, an enum written as a number or an unknown name, a string holding NUL, a property given twice.
    /// </summary>
    InvalidContent,

    /// <summary>
    /// A timestamp lies outside the window around the receipt time (<see cref="IngestionOptions.MaxClockSkew"/> ahead,
    /// <see cref="IngestionOptions.MaxMessageAge"/> or <see cref="IngestionOptions.MaxRetainedAge"/> behind).
    /// </summary>
    TimestampOutOfRange,

    /// <summary>The payload's device id is not the one in the topic (a device may only speak for itself).</summary>
    DeviceMismatch,

    /// <summary>The alert id is already held by another device.</summary>
    ForeignAlert,

    /// <summary>
    /// A later message of an alert carries another event type, camera, zone or start time; the message is kept in
    /// <c>alert_messages</c>, the alert keeps its identity.
    /// </summary>
    AlertIdentityChanged,

    /// <summary>
    /// Storing the message failed with an error that is not the database's (a fault the decoder did not foresee): the message
    /// is refused alone, the rest of its batch is stored, and the ingestion goes on.
    /// </summary>
    ProcessingFailed,
}

/// <summary>Stable snake_case names of <see cref="RejectReason"/> for logs, metrics and the status API.</summary>
public static class RejectReasons
{
    /// <summary>The wire name of a reason.</summary>
    public static string Name(RejectReason reason) => reason switch
    {
        RejectReason.UnknownTopic => "unknown_topic",
        RejectReason.PayloadTooLarge => "payload_too_large",
        RejectReason.MalformedJson => "malformed_json",
        RejectReason.InvalidUtf8 => "invalid_utf8",
        RejectReason.UnknownSchema => "unknown_schema",
        RejectReason.UnsupportedVersion => "unsupported_version",
        RejectReason.InvalidContent => "invalid_content",
        RejectReason.TimestampOutOfRange => "timestamp_out_of_range",
        RejectReason.DeviceMismatch => "device_mismatch",
        RejectReason.ForeignAlert => "foreign_alert",
        RejectReason.AlertIdentityChanged => "alert_identity_changed",
        RejectReason.ProcessingFailed => "processing_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
