using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>A decoded message, or why it was refused.</summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="Message">The message when accepted.</param>
/// <param name="Reason">The reason when refused.</param>
/// <param name="Detail">A human-readable explanation when refused.</param>
public readonly record struct Decoded<T>(T? Message, RejectReason Reason, string? Detail)
    where T : class
{
    /// <summary>Whether the payload was accepted.</summary>
    public bool IsAccepted => Message is not null;
}

/// <summary>Factories of <see cref="Decoded{T}"/>.</summary>
public static class Decoded
{
    /// <summary>An accepted message.</summary>
    public static Decoded<T> Accept<T>(T message)
        where T : class => new(message, default, null);

    /// <summary>A refusal.</summary>
    public static Decoded<T> Reject<T>(RejectReason reason, string detail)
        where T : class => new(null, reason, detail);
}

/// <summary>
/// Turns a payload into a contract message, or a precise reason why not. The envelope (<c>schema</c>, <c>schemaVersion</c>)
/// is read first, so a message from a newer protocol is reported as such rather than as malformed JSON. Pure: no I/O.
/// </summary>
public static class PayloadDecoder
{
    /// <summary>Longest id accepted (device, camera, alert, message, zone).</summary>
    public const int MaxIdLength = 128;

    /// <summary>Decodes and checks an alert published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<AlertMessage> DecodeAlert(ReadOnlySpan<byte> payload, string topicDeviceId) =>
        Decode(payload, topicDeviceId, AlertMessage.SchemaId, AlertMessage.CurrentVersion, ContractsJsonContext.Default.AlertMessage, m => m.DeviceId, CheckAlert);

    /// <summary>Decodes and checks a heartbeat published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<HealthMessage> DecodeHealth(ReadOnlySpan<byte> payload, string topicDeviceId) =>
        Decode(payload, topicDeviceId, HealthMessage.SchemaId, HealthMessage.CurrentVersion, ContractsJsonContext.Default.HealthMessage, m => m.DeviceId, CheckHealth);

    /// <summary>Decodes and checks a device event published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<DeviceEvent> DecodeEvent(ReadOnlySpan<byte> payload, string topicDeviceId) =>
        Decode(payload, topicDeviceId, DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, ContractsJsonContext.Default.DeviceEvent, m => m.DeviceId, CheckEvent);

    /// <summary>Decodes and checks a status published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<StatusMessage> DecodeStatus(ReadOnlySpan<byte> payload, string topicDeviceId) =>
        Decode(payload, topicDeviceId, StatusMessage.SchemaId, StatusMessage.CurrentVersion, ContractsJsonContext.Default.StatusMessage, m => m.DeviceId, CheckStatus);

    /// <summary>Decodes and checks a configuration report published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<ReportedConfigMessage> DecodeConfigReported(ReadOnlySpan<byte> payload, string topicDeviceId) =>
        Decode(payload, topicDeviceId, ReportedConfigMessage.SchemaId, ReportedConfigMessage.CurrentVersion, ContractsJsonContext.Default.ReportedConfigMessage, m => m.DeviceId, CheckConfigReported);

    private static Decoded<T> Decode<T>(
        ReadOnlySpan<byte> payload,
        string topicDeviceId,
        string schemaId,
        int version,
        JsonTypeInfo<T> typeInfo,
        Func<T, string?> deviceIdOf,
        Func<T, string?> check)
        where T : class
    {
        if (!TryReadEnvelope(payload, out var schema, out var schemaVersion, out var envelopeError))
        {
            return Decoded.Reject<T>(RejectReason.MalformedJson, envelopeError);
        }

        if (!string.Equals(schema, schemaId, StringComparison.Ordinal))
        {
            return Decoded.Reject<T>(RejectReason.UnknownSchema, $"schema is '{schema ?? "(missing)"}', expected '{schemaId}' on this topic");
        }

        if (schemaVersion != version)
        {
            return Decoded.Reject<T>(RejectReason.UnsupportedVersion, $"{schemaId} version {schemaVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)"} is not supported (this fleet manager reads version {version})");
        }

        T? message;
        try
        {
            message = JsonSerializer.Deserialize(payload, typeInfo);
        }
        catch (JsonException ex)
        {
            return Decoded.Reject<T>(RejectReason.InvalidContent, $"does not fit {schemaId} v{version}: {ex.Message}");
        }

        if (message is null)
        {
            return Decoded.Reject<T>(RejectReason.MalformedJson, "payload is JSON null");
        }

        if (check(message) is { } problem)
        {
            return Decoded.Reject<T>(RejectReason.InvalidContent, problem);
        }

        var deviceId = deviceIdOf(message);
        return string.Equals(deviceId, topicDeviceId, StringComparison.Ordinal)
            ? Decoded.Accept(message)
            : Decoded.Reject<T>(RejectReason.DeviceMismatch, $"payload deviceId '{deviceId}' differs from the topic's '{topicDeviceId}'");
    }

    private static bool TryReadEnvelope(ReadOnlySpan<byte> payload, out string? schema, out int? version, out string error)
    {
        schema = null;
        version = null;
        error = string.Empty;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "payload is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSchema = reader.ValueTextEquals("schema"u8);
                var isVersion = reader.ValueTextEquals("schemaVersion"u8);
                reader.Read();
                if (isSchema && reader.TokenType == JsonTokenType.String)
                {
                    schema = reader.GetString();
                }
                else if (isVersion && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var v))
                {
                    version = v;
                }

                reader.Skip();
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "payload is not a single JSON object";
                return false;
            }

            return true;
        }
        catch (JsonException ex)
        {
            error = $"malformed JSON: {ex.Message}";
            return false;
        }
    }

    private static string? CheckEvent(DeviceEvent m) =>
        Id(m.MessageId, "messageId") ?? Id(m.DeviceId, "deviceId")
        ?? (!Enum.IsDefined(m.Kind) ? "kind is not a device event kind" : null)
        ?? (m.At == default ? "at is missing" : null)
        ?? (m.Kind is DeviceEventKind.CameraOffline or DeviceEventKind.CameraOnline ? Id(m.CameraId, "cameraId") : null);

    private static string? CheckAlert(AlertMessage m) =>
        Id(m.MessageId, "messageId") ?? Id(m.AlertId, "alertId") ?? Id(m.DeviceId, "deviceId") ?? Id(m.CameraId, "cameraId")
        ?? (m.ZoneId is not null ? Id(m.ZoneId, "zoneId") : null)
        ?? (!Enum.IsDefined(m.EventType) ? "eventType is not one of the eight authorised events" : null)
        ?? (!Enum.IsDefined(m.State) ? "state is not start, update or end" : null)
        ?? (m.Sequence < 0 ? "sequence is negative" : null)
        ?? ((m.State == AlertState.Start) != (m.Sequence == 0) ? "sequence 0 is the start message and only it" : null)
        ?? (m.StartedAt == default ? "startedAt is missing" : null)
        ?? (m.ObservedAt == default ? "observedAt is missing" : null)
        ?? (m.State == AlertState.End && m.EndedAt is null ? "endedAt is required on an end message" : null)
        ?? (m.State != AlertState.End && m.EndedAt is not null ? "endedAt is only allowed on an end message" : null)
        ?? Unit(m.Confidence, "confidence")
        ?? CheckMeasurement(m.Measurement)
        ?? CheckObjects(m.Objects)
        ?? (m.Model is null || string.IsNullOrWhiteSpace(m.Model.Id) || string.IsNullOrWhiteSpace(m.Model.Version) ? "model id and version are required" : null);

    private static string? CheckHealth(HealthMessage m) =>
        Id(m.DeviceId, "deviceId")
        ?? (m.SentAt == default ? "sentAt is missing" : null)
        ?? (!double.IsFinite(m.UptimeSeconds) || m.UptimeSeconds < 0 ? "uptimeSeconds must be a non-negative number" : null)
        ?? (string.IsNullOrWhiteSpace(m.AgentVersion) ? "agentVersion is required" : null)
        ?? (string.IsNullOrWhiteSpace(m.ExecutionProvider) ? "executionProvider is required" : null)
        ?? CheckCameras(m.Cameras);

    private static string? CheckStatus(StatusMessage m) =>
        Id(m.DeviceId, "deviceId")
        ?? (!Enum.IsDefined(m.State) ? "state is not online or offline" : null)
        ?? (m.At == default ? "at is missing" : null);

    private static string? CheckConfigReported(ReportedConfigMessage m) =>
        Id(m.DeviceId, "deviceId")
        ?? (m.At == default ? "at is missing" : null)
        ?? (!Enum.IsDefined(m.Source) ? "source is not local or fleet" : null)
        ?? (!Enum.IsDefined(m.Status) ? "status is not applied or rejected" : null)
        ?? (m.AppliedVersion is < 1 ? "appliedVersion must be at least 1" : null)
        ?? (m.LastReceivedVersion is < 1 ? "lastReceivedVersion must be at least 1" : null)
        ?? (m.Source == ConfigSource.Fleet && m.AppliedVersion is null ? "appliedVersion is required when source is fleet" : null)
        ?? (m.Errors is null ? "errors is required (may be empty)" : null)
        ?? (m.Status == ConfigApplyStatus.Rejected && m.Errors!.Count == 0 ? "a rejected configuration must say why (errors)" : null)
        ?? (m.Cameras is null ? "cameras is required (may be empty)" : null)
        ?? (m.Cameras!.Any(c => c.ValueKind != System.Text.Json.JsonValueKind.Object) ? "cameras must be camera documents (objects)" : null)
        ?? (m.Authorisations is null ? "authorisations is required (may be empty)" : null);

    private static string? CheckCameras(IReadOnlyList<CameraHealth>? cameras) =>
        cameras is null
            ? "cameras is required (may be empty)"
            : cameras.Select((c, i) => c is null ? $"cameras[{i}] is null" : Id(c.CameraId, $"cameras[{i}].cameraId")).FirstOrDefault(p => p is not null);

    private static string? CheckMeasurement(Measurement? measurement) => measurement switch
    {
        null => null,
        { Name: null or "" } => "measurement.name is required",
        { Unit: null or "" } => "measurement.unit is required",
        _ when !double.IsFinite(measurement.Value) => "measurement.value must be a finite number",
        _ => null,
    };

    private static string? CheckObjects(IReadOnlyList<AlertObject>? objects)
    {
        if (objects is null)
        {
            return "objects is required (may be empty)";
        }

        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            var problem = o is null ? "is null"
                : string.IsNullOrWhiteSpace(o.Class) ? "has no class"
                : Unit(o.Score, "score") is not null ? "score is not in [0, 1]"
                : o.Box is not { Length: 4 } || !o.Box.All(double.IsFinite) ? "box is not [x, y, w, h]"
                : null;
            if (problem is not null)
            {
                return $"objects[{i}] {problem}";
            }
        }

        return null;
    }

    private static string? Id(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? $"{field} is required"
        : value.Length > MaxIdLength ? $"{field} is longer than {MaxIdLength} characters"
        : value.AsSpan().IndexOfAny("/+#\0") >= 0 ? $"{field} contains a character reserved by MQTT topics"
        : null;

    private static string? Unit(double value, string field) =>
        double.IsFinite(value) && value is >= 0 and <= 1 ? null : $"{field} must be in [0, 1]";
}
