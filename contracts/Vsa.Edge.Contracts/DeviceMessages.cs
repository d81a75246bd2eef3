using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>Heartbeat published on <c>vsa/v1/{deviceId}/health</c> every few seconds.</summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The publishing device.</param>
/// <param name="SentAt">When the heartbeat was built.</param>
/// <param name="UptimeSeconds">Seconds since the agent started.</param>
/// <param name="AgentVersion">Version of the agent build.</param>
/// <param name="ExecutionProvider">ONNX Runtime execution provider in use (TensorRT, CUDA, CPU).</param>
/// <param name="Model">The model in use.</param>
/// <param name="Cameras">Per-camera figures.</param>
public sealed record HealthMessage(
    string Schema,
    int SchemaVersion,
    string DeviceId,
    DateTimeOffset SentAt,
    double UptimeSeconds,
    string AgentVersion,
    string ExecutionProvider,
    ModelRef? Model,
    IReadOnlyList<CameraHealth> Cameras)
{
    /// <summary>Schema identifier of heartbeats.</summary>
    public const string SchemaId = "vsa.health";

    /// <summary>Current schema version of heartbeats.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>Figures of one camera in a heartbeat.</summary>
/// <param name="CameraId">The camera.</param>
/// <param name="Online">Whether frames are arriving.</param>
/// <param name="Fps">Frames analysed per second over the last interval.</param>
/// <param name="FramesDropped">Frames dropped since start (latest-frame policy).</param>
/// <param name="InferenceMsP50">Median model run time over the last interval, milliseconds.</param>
/// <param name="InferenceMsP95">95th percentile model run time over the last interval, milliseconds.</param>
public sealed record CameraHealth(string CameraId, bool Online, double Fps, long FramesDropped, double InferenceMsP50, double InferenceMsP95);

/// <summary>Retained status published on <c>vsa/v1/{deviceId}/status</c>; the broker publishes the offline form as last will.</summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="State">Online or offline.</param>
/// <param name="At">When the state was set (for the last will: when the agent connected).</param>
public sealed record StatusMessage(string Schema, int SchemaVersion, string DeviceId, DeviceState State, DateTimeOffset At)
{
    /// <summary>Schema identifier of status messages.</summary>
    public const string SchemaId = "vsa.status";

    /// <summary>Current schema version of status messages.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>Connection state of a device.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeviceState>))]
public enum DeviceState
{
    /// <summary>Connected to the broker.</summary>
    [JsonStringEnumMemberName("online")] Online,

    /// <summary>Disconnected (clean shutdown or last will).</summary>
    [JsonStringEnumMemberName("offline")] Offline,
}
