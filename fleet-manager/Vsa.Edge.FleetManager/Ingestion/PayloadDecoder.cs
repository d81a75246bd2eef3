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
    public static Decoded<AlertMessage> DecodeAlert(ReadOnlySpan<byte> payload, string topicDeviceId, TimeWindow window) =>
        Decode(payload, topicDeviceId, AlertMessage.SchemaId, AlertMessage.CurrentVersion, WireJson.Context.AlertMessage, m => m.DeviceId, m => MessageChecks.Alert(m, window));

    /// <summary>Decodes and checks a heartbeat published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<HealthMessage> DecodeHealth(ReadOnlySpan<byte> payload, string topicDeviceId, TimeWindow window) =>
        Decode(payload, topicDeviceId, HealthMessage.SchemaId, HealthMessage.CurrentVersion, WireJson.Context.HealthMessage, m => m.DeviceId, m => MessageChecks.Health(m, window));

    /// <summary>Decodes and checks a device event published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<DeviceEvent> DecodeEvent(ReadOnlySpan<byte> payload, string topicDeviceId, TimeWindow window) =>
        Decode(payload, topicDeviceId, DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, WireJson.Context.DeviceEvent, m => m.DeviceId, m => MessageChecks.Event(m, window));

    /// <summary>Decodes and checks a status published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<StatusMessage> DecodeStatus(ReadOnlySpan<byte> payload, string topicDeviceId, TimeWindow window) =>
        Decode(payload, topicDeviceId, StatusMessage.SchemaId, StatusMessage.CurrentVersion, WireJson.Context.StatusMessage, m => m.DeviceId, m => MessageChecks.Status(m, window));

    /// <summary>Decodes and checks a configuration report published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<ReportedConfigMessage> DecodeConfigReported(ReadOnlySpan<byte> payload, string topicDeviceId, TimeWindow window) =>
        Decode(payload, topicDeviceId, ReportedConfigMessage.SchemaId, ReportedConfigMessage.CurrentVersion, WireJson.Context.ReportedConfigMessage, m => m.DeviceId, m => MessageChecks.ConfigReported(m, window));

    /// <summary>Decodes and checks a configuration proposal published on <paramref name="topicDeviceId"/>'s topic (<see cref="Proposals.ProposalChecks"/>).</summary>
    public static Decoded<ConfigProposalMessage> DecodeConfigProposal(ReadOnlySpan<byte> payload, string topicDeviceId, TimeWindow window) =>
        Decode(payload, topicDeviceId, ConfigProposalMessage.SchemaId, ConfigProposalMessage.CurrentVersion, WireJson.Context.ConfigProposalMessage, m => m.DeviceId, m => Proposals.ProposalChecks.Check(m, window, out _));
    /// <summary>Decodes and checks a model report published on <paramref name="topicDeviceId"/>'s topic.</summary>
    public static Decoded<ModelReportedMessage> DecodeModelReported(ReadOnlySpan<byte> payload, string topicDeviceId, TimeWindow window) =>
        WireJson.Scan(payload) is { } unsafeText
            ? Decoded.Reject<ModelReportedMessage>(unsafeText.Reason, unsafeText.Detail)
            : ModelReportChecks.NumericState(payload) is { } numeric
            ? Decoded.Reject<ModelReportedMessage>(RejectReason.InvalidContent, numeric)
            : Decode(payload, topicDeviceId, ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, WireJson.Context.ModelReportedMessage, m => m.DeviceId, m => ModelReportChecks.Check(m, window));

    private static Decoded<T> Decode<T>(
        ReadOnlySpan<byte> payload,
        string topicDeviceId,
        string schemaId,
        int version,
        JsonTypeInfo<T> typeInfo,
        Func<T, string?> deviceIdOf,
        Func<T, (RejectReason Reason, string Detail)?> check)
        where T : class
    {
        if (WireJson.Scan(payload) is { } unsafeText)
        {
            return Decoded.Reject<T>(unsafeText.Reason, unsafeText.Detail);
        }

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
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            // JsonException for what does not fit; the others only for what the scan above should already have refused.
            return Decoded.Reject<T>(RejectReason.InvalidContent, $"does not fit {schemaId} v{version}: {ex.Message}");
        }

        if (message is null)
        {
            return Decoded.Reject<T>(RejectReason.MalformedJson, "payload is JSON null");
        }

        if (check(message) is { } problem)
        {
            return Decoded.Reject<T>(problem.Reason, problem.Detail);
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
}
