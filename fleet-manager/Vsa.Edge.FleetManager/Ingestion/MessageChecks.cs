using System.Globalization;
using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The instants a message's timestamps may take: from <see cref="From"/> to <see cref="To"/>, both inclusive, set around the
/// time the fleet received it (<see cref="IngestionOptions.WindowFor"/>).
/// </summary>
/// <param name="From">Earliest instant accepted.</param>
/// <param name="To">Latest instant accepted.</param>
public readonly record struct TimeWindow(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>No bound (reading back what was stored, tests of other rules).</summary>
    public static TimeWindow Unbounded { get; } = new(DateTimeOffset.MinValue, DateTimeOffset.MaxValue);

    /// <summary>From <paramref name="maxAge"/> before <paramref name="receivedAt"/> to <paramref name="maxSkew"/> after it.</summary>
    public static TimeWindow Around(DateTimeOffset receivedAt, TimeSpan maxAge, TimeSpan maxSkew) => new(receivedAt - maxAge, receivedAt + maxSkew);

    /// <summary>Whether <paramref name="value"/> lies in the window.</summary>
    public bool Contains(DateTimeOffset value) => value >= From && value <= To;

    /// <summary>Null when <paramref name="value"/> lies in the window, else the refusal naming <paramref name="field"/>.</summary>
    internal (RejectReason Reason, string Detail)? Check(DateTimeOffset? value, string field) => value is not { } v || Contains(v)
        ? null
        : (RejectReason.TimestampOutOfRange, string.Create(CultureInfo.InvariantCulture, $"{field} {v.UtcDateTime:O} is outside [{From.UtcDateTime:O}, {To.UtcDateTime:O}] around the receipt time"));
}

/// <summary>The content rules of each message kind, after it was decoded: required fields, ranges, finite figures, the time window.</summary>
internal static class MessageChecks
{
    public static (RejectReason Reason, string Detail)? Event(DeviceEvent m, TimeWindow window) =>
        Content(Id(m.MessageId, "messageId") ?? Id(m.DeviceId, "deviceId")
            ?? (!Enum.IsDefined(m.Kind) ? "kind is not a device event kind" : null)
            ?? (m.At == default ? "at is missing" : null)
            ?? (m.Kind is DeviceEventKind.CameraOffline or DeviceEventKind.CameraOnline || m.CameraId is not null ? Id(m.CameraId, "cameraId") : null)
            ?? (m.SuppressedAlerts is < 0 ? "suppressedAlerts is negative" : null)
            ?? MessageBounds.Text(m.Reason, MessageBounds.MaxReasonLength, "reason"))
        ?? window.Check(m.At, "at");

    public static (RejectReason Reason, string Detail)? Alert(AlertMessage m, TimeWindow window) =>
        Content(Id(m.MessageId, "messageId") ?? Id(m.AlertId, "alertId") ?? Id(m.DeviceId, "deviceId") ?? Id(m.CameraId, "cameraId")
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
            ?? Measurement(m.Measurement)
            ?? Objects(m.Objects)
            ?? (m.Model is null || string.IsNullOrWhiteSpace(m.Model.Id) || string.IsNullOrWhiteSpace(m.Model.Version) ? "model id and version are required" : null)
            ?? Model(m.Model))
        ?? window.Check(m.StartedAt, "startedAt") ?? window.Check(m.ObservedAt, "observedAt") ?? window.Check(m.EndedAt, "endedAt");

    public static (RejectReason Reason, string Detail)? Health(HealthMessage m, TimeWindow window) =>
        Content(Id(m.DeviceId, "deviceId")
            ?? (m.SentAt == default ? "sentAt is missing" : null)
            ?? Figure(m.UptimeSeconds, "uptimeSeconds")
            ?? (string.IsNullOrWhiteSpace(m.AgentVersion) ? "agentVersion is required" : null)
            ?? (string.IsNullOrWhiteSpace(m.ExecutionProvider) ? "executionProvider is required" : null)
            ?? MessageBounds.Text(m.AgentVersion, MessageBounds.MaxTextLength, "agentVersion")
            ?? MessageBounds.Text(m.ExecutionProvider, MessageBounds.MaxTextLength, "executionProvider")
            ?? Model(m.Model)
            ?? Runtime(m.Runtime)
            ?? Cameras(m.Cameras)
            ?? Outbox(m.Outbox)
            ?? Resources(m.Resources))
        ?? window.Check(m.SentAt, "sentAt");

    public static (RejectReason Reason, string Detail)? Status(StatusMessage m, TimeWindow window) =>
        Content(Id(m.DeviceId, "deviceId")
            ?? (!Enum.IsDefined(m.State) ? "state is not online or offline" : null)
            ?? (m.At == default ? "at is missing" : null))
        ?? window.Check(m.At, "at");

    public static (RejectReason Reason, string Detail)? ConfigReported(ReportedConfigMessage m, TimeWindow window) =>
        Content(Id(m.DeviceId, "deviceId")
            ?? (m.At == default ? "at is missing" : null)
            ?? (!Enum.IsDefined(m.Source) ? "source is not local or fleet" : null)
            ?? (!Enum.IsDefined(m.Status) ? "status is not applied or rejected" : null)
            ?? (m.AppliedVersion is < 1 ? "appliedVersion must be at least 1" : null)
            ?? (m.LastReceivedVersion is < 1 ? "lastReceivedVersion must be at least 1" : null)
            ?? (m.Source == ConfigSource.Fleet && m.AppliedVersion is null ? "appliedVersion is required when source is fleet" : null)
            ?? (m.Errors is null ? "errors is required (may be empty)" : null)
            ?? (m.Errors!.Any(e => e is null) ? "errors must be strings" : null)
            ?? MessageBounds.Count(m.Errors!.Count, MessageBounds.MaxErrors, "errors")
            ?? Errors(m.Errors!)
            ?? (m.RejectedSha256 is not null ? Id(m.RejectedSha256, "rejectedSha256") : null)
            ?? (m.Status == ConfigApplyStatus.Rejected && m.Errors!.Count == 0 ? "a rejected configuration must say why (errors)" : null)
            ?? (m.Cameras is null ? "cameras is required (may be empty)" : null)
            ?? (m.Cameras!.Any(c => c.ValueKind != JsonValueKind.Object) ? "cameras must be camera documents (objects)" : null)
            ?? MessageBounds.Count(m.Cameras!.Count, MessageBounds.MaxCameras, "cameras")
            ?? (m.Authorisations is null ? "authorisations is required (may be empty)" : null)
            ?? MessageBounds.Count(m.Authorisations!.Count, MessageBounds.MaxAuthorisations, "authorisations")
            ?? Authorisations(m.Authorisations!))
        ?? window.Check(m.At, "at");

    private static (RejectReason Reason, string Detail)? Content(string? problem) => problem is null ? null : (RejectReason.InvalidContent, problem);

    private static string? Cameras(IReadOnlyList<CameraHealth>? cameras)
    {
        if (cameras is null)
        {
            return "cameras is required (may be empty)";
        }

        if (MessageBounds.Count(cameras.Count, MessageBounds.MaxCameras, "cameras") is { } tooMany)
        {
            return tooMany;
        }

        for (var i = 0; i < cameras.Count; i++)
        {
            var c = cameras[i];
            var problem = c is null ? $"cameras[{i}] is null"
                : Id(c.CameraId, $"cameras[{i}].cameraId")
                ?? Figure(c.Fps, $"cameras[{i}].fps")
                ?? (c.FramesDropped < 0 ? $"cameras[{i}].framesDropped is negative" : null)
                ?? Figure(c.InferenceMsP50, $"cameras[{i}].inferenceMsP50")
                ?? Figure(c.InferenceMsP95, $"cameras[{i}].inferenceMsP95");
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Outbox(OutboxHealth? outbox) => outbox is null ? null
        : outbox.Depth < 0 || outbox.Bytes < 0 || outbox.Delivered < 0 || outbox.Dropped < 0 || outbox.DroppedFull < 0
            || outbox.DroppedExpired < 0 || outbox.Rejected < 0 || outbox.StoreFailures < 0 ? "outbox counters must not be negative"
        : outbox.OldestAgeSeconds is { } age ? Figure(age, "outbox.oldestAgeSeconds")
        : null;

    private static string? Resources(ResourceHealth? r)
    {
        if (r is null)
        {
            return null;
        }

        var problem = Finite(r.CpuLoad1m, "resources.cpuLoad1m") ?? Finite(r.CpuUsagePercent, "resources.cpuUsagePercent")
            ?? Finite(r.CpuTemperatureC, "resources.cpuTemperatureC") ?? Finite(r.GpuTemperatureC, "resources.gpuTemperatureC")
            ?? Finite(r.GpuLoadPercent, "resources.gpuLoadPercent");
        if (problem is not null || r.Thermal is null)
        {
            return problem;
        }

        if (MessageBounds.Count(r.Thermal.Count, MessageBounds.MaxThermalZones, "resources.thermal") is { } tooMany)
        {
            return tooMany;
        }

        for (var i = 0; i < r.Thermal.Count; i++)
        {
            if (r.Thermal[i] is not { Zone: not null } reading || !double.IsFinite(reading.Celsius))
            {
                return $"resources.thermal[{i}] must have a zone and a finite celsius";
            }

            if (MessageBounds.Text(reading.Zone, MessageBounds.MaxTextLength, $"resources.thermal[{i}].zone") is { } tooLong)
            {
                return tooLong;
            }
        }

        return null;
    }

    private static string? Authorisations(IReadOnlyList<AuthorisationWindow> windows)
    {
        for (var i = 0; i < windows.Count; i++)
        {
            if (windows[i] is not { Reference: not null, Service: not null, Events: not null, Cameras: not null } window
                || window.Events.Any(e => e is null) || window.Cameras.Any(c => c is null))
            {
                return $"authorisations[{i}] must have a reference, a service, events and cameras";
            }

            var problem = MessageBounds.Text(window.Reference, MessageBounds.MaxTextLength, $"authorisations[{i}].reference")
                ?? MessageBounds.Text(window.Service, MessageBounds.MaxTextLength, $"authorisations[{i}].service")
                ?? MessageBounds.Count(window.Events.Count, MessageBounds.MaxWindowEntries, $"authorisations[{i}].events")
                ?? MessageBounds.Count(window.Cameras.Count, MessageBounds.MaxWindowEntries, $"authorisations[{i}].cameras")
                ?? (window.Events.Concat(window.Cameras).Any(e => e.Length > PayloadDecoder.MaxIdLength)
                    ? $"authorisations[{i}] names an event or camera longer than {PayloadDecoder.MaxIdLength} characters" : null);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Measurement(Measurement? measurement) => measurement switch
    {
        null => null,
        { Name: null or "" } => "measurement.name is required",
        { Unit: null or "" } => "measurement.unit is required",
        _ when !double.IsFinite(measurement.Value) => "measurement.value must be a finite number",
        _ => MessageBounds.Text(measurement.Name, MessageBounds.MaxTextLength, "measurement.name")
            ?? MessageBounds.Text(measurement.Unit, MessageBounds.MaxTextLength, "measurement.unit"),
    };

    private static string? Model(ModelRef? model) => model is null ? null
        : MessageBounds.Text(model.Id, MessageBounds.MaxTextLength, "model.id") ?? MessageBounds.Text(model.Version, MessageBounds.MaxTextLength, "model.version");

    private static string? Runtime(RuntimeVersions? runtime) => runtime is null ? null
        : MessageBounds.Text(runtime.OnnxRuntime, MessageBounds.MaxTextLength, "runtime.onnxRuntime")
            ?? MessageBounds.Text(runtime.Dotnet, MessageBounds.MaxTextLength, "runtime.dotnet")
            ?? MessageBounds.Text(runtime.Os, MessageBounds.MaxTextLength, "runtime.os");

    private static string? Errors(IReadOnlyList<string> errors)
    {
        for (var i = 0; i < errors.Count; i++)
        {
            if (MessageBounds.Text(errors[i], MessageBounds.MaxErrorLength, $"errors[{i}]") is { } tooLong)
            {
                return tooLong;
            }
        }

        return null;
    }

    private static string? Objects(IReadOnlyList<AlertObject>? objects)
    {
        if (objects is null)
        {
            return "objects is required (may be empty)";
        }

        if (MessageBounds.Count(objects.Count, MessageBounds.MaxObjects, "objects") is { } tooMany)
        {
            return tooMany;
        }

        for (var i = 0; i < objects.Count; i++)
        {
            var o = objects[i];
            var problem = o is null ? "is null"
                : string.IsNullOrWhiteSpace(o.Class) ? "has no class"
                : o.Class.Length > MessageBounds.MaxTextLength ? $"class is longer than {MessageBounds.MaxTextLength} characters"
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
        : value.Length > PayloadDecoder.MaxIdLength ? $"{field} is longer than {PayloadDecoder.MaxIdLength} characters"
        : value.AsSpan().IndexOfAny("/+#\0") >= 0 ? $"{field} contains a character reserved by MQTT topics"
        : value.Any(char.IsControl) ? $"{field} contains a control character"
        : null;

    /// <summary>A figure a device measures: finite and not negative.</summary>
    private static string? Figure(double value, string field) =>
        double.IsFinite(value) && value >= 0 ? null : $"{field} must be a finite, non-negative number";

    private static string? Finite(double? value, string field) =>
        value is not { } v || double.IsFinite(v) ? null : $"{field} must be a finite number";

    private static string? Unit(double value, string field) =>
        double.IsFinite(value) && value is >= 0 and <= 1 ? null : $"{field} must be in [0, 1]";
}
