using Vsa.Edge.Contracts;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>Valid agent messages to start from.</summary>
public static class Samples
{
    /// <summary>The start message of a new alert, started a few seconds ago.</summary>
    public static AlertMessage AlertStart(string deviceId, EventType eventType = EventType.Intrusion, string cameraId = "cam-1", string zoneId = "quai-nord")
    {
        var start = DateTimeOffset.UtcNow.AddSeconds(-3);
        return new AlertMessage(
            Schema: AlertMessage.SchemaId,
            SchemaVersion: AlertMessage.CurrentVersion,
            MessageId: Guid.CreateVersion7().ToString(),
            AlertId: Guid.CreateVersion7().ToString(),
            Sequence: 0,
            DeviceId: deviceId,
            CameraId: cameraId,
            EventType: eventType,
            State: AlertState.Start,
            StartedAt: start,
            ObservedAt: start.AddSeconds(2),
            EndedAt: null,
            ZoneId: zoneId,
            Confidence: 0.82,
            Measurement: new Measurement("duration", 2.0, "s"),
            Objects: [new AlertObject("person", 0.82, [0.42, 0.35, 0.08, 0.3], 7), new AlertObject("person", 0.64, [0.6, 0.4, 0.07, 0.28], 9)],
            Model: new ModelRef("nanodet-coco", "1"));
    }

    /// <summary>A heartbeat sent now.</summary>
    public static HealthMessage Health(string deviceId) => new(
        Schema: HealthMessage.SchemaId,
        SchemaVersion: HealthMessage.CurrentVersion,
        DeviceId: deviceId,
        SentAt: DateTimeOffset.UtcNow,
        UptimeSeconds: 3600,
        AgentVersion: "0.1.0",
        ExecutionProvider: "TensorRT",
        Model: new ModelRef("nanodet-coco", "1"),
        Cameras: [new CameraHealth("cam-1", true, 9.8, 3, 4.9, 7.2), new CameraHealth("cam-2", false, 0, 0, 0, 0)],
        Outbox: new OutboxHealth(2, 4096, 1.5, 120, 0, 0, 0, 0, 0));

    /// <summary>
    /// A camera document in the agent's camera-file format: two zones, a one-way line and a line forbidden both ways, a
    /// privacy mask, and intrusion enabled on "quai-nord" (authorise it first).
    /// </summary>
    public static string Camera(string cameraId = "cam-1") => $$"""
        {
          "cameraId": "{{cameraId}}",
          "name": "Quai nord",
          "source": "rtsp://viewer:s3cret@10.0.0.12/stream1",
          "zones": [
            { "id": "quai-nord", "name": "Quai nord", "polygon": [[0.3,0.25],[0.75,0.25],[0.8,0.95],[0.25,0.95]] },
            { "id": "voies", "name": "Voies", "polygon": [[0.05,0.5],[0.22,0.5],[0.2,0.95],[0.02,0.95]] }
          ],
          "lines": [
            { "id": "acces-sud", "name": "Accès sud", "points": [[0.1,0.2],[0.9,0.2]], "forbidden": "left_to_right" },
            { "id": "bord", "name": "Bord du quai", "points": [[0.25,0.97],[0.8,0.97]] }
          ],
          "privacyMasks": [ { "id": "fenetres", "polygon": [[0.82,0.05],[0.98,0.05],[0.98,0.4],[0.82,0.4]] } ],
          "events": [ { "type": "intrusion", "zones": ["quai-nord"], "enabled": true } ]
        }
        """;

    /// <summary>The report of an agent running desired version <paramref name="applied"/> (no camera echoed back).</summary>
    public static ReportedConfigMessage Reported(string deviceId, long applied) =>
        new(ReportedConfigMessage.SchemaId, ReportedConfigMessage.CurrentVersion, deviceId, DateTimeOffset.UtcNow, ConfigSource.Fleet, applied, applied, ConfigApplyStatus.Applied, [], [], []);
}
