using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>Valid messages to start from; tests change what they are about with <c>with</c>.</summary>
public static class Samples
{
    /// <summary>
    /// One instant per test run, to the second, so stored timestamps can be compared exactly: an hour before the run started,
    /// because the fleet refuses timestamps outside a window around the time it receives them (five minutes ahead, 30 days
    /// back by default), and tests add up to an hour to it.
    /// </summary>
    public static readonly DateTimeOffset T0 = DeviceConfigs.ConfigSamples.NowToTheSecond().AddHours(-1);

    /// <summary>A fresh unique id (UUIDv7, as the agent uses).</summary>
    public static string NewId() => Guid.CreateVersion7().ToString();

    /// <summary>The start message of a new intrusion alert.</summary>
    public static AlertMessage AlertStart(string deviceId, string? alertId = null, DateTimeOffset? startedAt = null, string cameraId = "cam-1")
    {
        var start = startedAt ?? T0;
        return new AlertMessage(
            Schema: AlertMessage.SchemaId,
            SchemaVersion: AlertMessage.CurrentVersion,
            MessageId: NewId(),
            AlertId: alertId ?? NewId(),
            Sequence: 0,
            DeviceId: deviceId,
            CameraId: cameraId,
            EventType: EventType.Intrusion,
            State: AlertState.Start,
            StartedAt: start,
            ObservedAt: start,
            EndedAt: null,
            ZoneId: "quai-nord",
            Confidence: 0.82,
            Measurement: new Measurement("duration", 2.0, "s"),
            Objects: [new AlertObject("person", 0.82, [0.1, 0.2, 0.05, 0.2], 7)],
            Model: new ModelRef("nanodet-coco", "1"));
    }

    /// <summary>A later message of the same alert.</summary>
    public static AlertMessage Next(AlertMessage previous, AlertState state, int sequence, double seconds) => previous with
    {
        MessageId = NewId(),
        Sequence = sequence,
        State = state,
        ObservedAt = previous.StartedAt.AddSeconds(seconds),
        EndedAt = state == AlertState.End ? previous.StartedAt.AddSeconds(seconds) : null,
        Measurement = new Measurement("duration", seconds, "s"),
    };

    /// <summary>A heartbeat.</summary>
    public static HealthMessage Health(string deviceId, DateTimeOffset sentAt, string executionProvider = "TensorRT") => new(
        Schema: HealthMessage.SchemaId,
        SchemaVersion: HealthMessage.CurrentVersion,
        DeviceId: deviceId,
        SentAt: sentAt,
        UptimeSeconds: 120,
        AgentVersion: "0.1.0",
        ExecutionProvider: executionProvider,
        Model: new ModelRef("nanodet-coco", "1"),
        Cameras: [new CameraHealth("cam-1", true, 9.8, 3, 4.9, 7.2)]);

    /// <summary>A status.</summary>
    public static StatusMessage Status(string deviceId, DeviceState state, DateTimeOffset at) =>
        new(StatusMessage.SchemaId, StatusMessage.CurrentVersion, deviceId, state, at);
}
