using System.Globalization;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Authorisations;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>Camera documents in the agent's camera-file format, authorisations and reports to start from.</summary>
public static class ConfigSamples
{
    /// <summary>A source address with credentials, which no layout and no auditor may see.</summary>
    public const string SecretSource = "rtsp://viewer:s3cret@10.0.0.12/stream1";

    /// <summary>A valid camera with one zone, one line, one mask and one event.</summary>
    public static JsonElement Camera(string cameraId = "cam-1", string eventType = "intrusion", bool enabled = true, string polygon = "[[0.1,0.1],[0.9,0.1],[0.9,0.9],[0.1,0.9]]") =>
        JsonDocument.Parse($$"""
            {
              "cameraId": "{{cameraId}}",
              "name": "Quai nord",
              "source": "{{SecretSource}}",
              "zones": [ { "id": "quai", "name": "Quai", "polygon": {{polygon}} } ],
              "lines": [ { "id": "bord", "name": "Bord du quai", "points": [[0.2,0.8],[0.8,0.8]], "forbidden": "left_to_right" } ],
              "privacyMasks": [ { "id": "fenetres", "polygon": [[0.0,0.0],[0.2,0.0],[0.2,0.1],[0.0,0.1]] } ],
              "events": [ { "type": "{{eventType}}", "zones": ["quai"], "enabled": {{(enabled ? "true" : "false")}} } ]
            }
            """).RootElement.Clone();

    /// <summary>A valid authorisation request for <paramref name="events"/> on cam-1 of <paramref name="deviceId"/>.</summary>
    public static AuthorisationRequest Authorisation(string deviceId, DateTimeOffset startsAt, DateTimeOffset endsAt, string reference = "2026-DPG-0412", params string[] events) =>
        new(reference, "Police municipale de Lyon", events.Length == 0 ? ["intrusion"] : events, [new AuthorisedCamera(deviceId, "cam-1")], startsAt, endsAt, "https://www.rhone.gouv.fr/raa/2026-DPG-0412.pdf");

    /// <summary>A report from <paramref name="deviceId"/> running <paramref name="cameras"/>.</summary>
    public static ReportedConfigMessage Reported(string deviceId, DateTimeOffset at, long? applied, ConfigApplyStatus status = ConfigApplyStatus.Applied, long? received = null, IReadOnlyList<string>? errors = null, IReadOnlyList<JsonElement>? cameras = null) =>
        new(ReportedConfigMessage.SchemaId, ReportedConfigMessage.CurrentVersion, deviceId, at,
            applied is null ? ConfigSource.Local : ConfigSource.Fleet, applied, received ?? applied, status, errors ?? [], cameras ?? [], []);

    /// <summary>The real current time to the second (the database keeps microseconds; whole seconds compare exactly).</summary>
    public static DateTimeOffset NowToTheSecond()
    {
        var now = TimeProvider.System.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>An ISO 8601 text of an instant, for messages.</summary>
    public static string Iso(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);
}
