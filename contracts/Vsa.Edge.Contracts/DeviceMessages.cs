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
/// <param name="Outbox">The alert outbox: waiting alerts and what was lost (optional, added in schema version 1).</param>
/// <param name="Resources">CPU, GPU, memory, disk and temperatures; each figure null where the device does not expose it (optional).</param>
/// <param name="Runtime">Versions of the runtimes the agent runs on (optional).</param>
/// <param name="Suspension">What the kill switch suspends on the device now (optional; null when nothing is suspended and no state was ever received).</param>
public sealed record HealthMessage(
    string Schema,
    int SchemaVersion,
    string DeviceId,
    DateTimeOffset SentAt,
    double UptimeSeconds,
    string AgentVersion,
    string ExecutionProvider,
    ModelRef? Model,
    IReadOnlyList<CameraHealth> Cameras,
    OutboxHealth? Outbox = null,
    ResourceHealth? Resources = null,
    RuntimeVersions? Runtime = null,
    SuspensionReport? Suspension = null)
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

/// <summary>The agent's durable alert outbox in a heartbeat. Counters other than the depth count since the outbox file was created.</summary>
/// <param name="Depth">Alerts waiting for the broker.</param>
/// <param name="Bytes">Their payload size, bytes.</param>
/// <param name="OldestAgeSeconds">Age of the oldest waiting alert; null when none waits.</param>
/// <param name="Delivered">Alerts the broker acknowledged.</param>
/// <param name="Dropped">Alerts lost, all causes (the sum of the next four).</param>
/// <param name="DroppedFull">Dropped, oldest first, because the outbox reached its count or size bound.</param>
/// <param name="DroppedExpired">Dropped because older than the outbox's age bound.</param>
/// <param name="Rejected">Refused for good by the broker.</param>
/// <param name="StoreFailures">Not stored because of a disk error (since the agent started).</param>
public sealed record OutboxHealth(
    int Depth,
    long Bytes,
    double? OldestAgeSeconds,
    long Delivered,
    long Dropped,
    long DroppedFull,
    long DroppedExpired,
    long Rejected,
    long StoreFailures);

/// <summary>Device resources in a heartbeat; a figure the device does not expose is null (omitted).</summary>
/// <param name="CpuLoad1m">1-minute load average (<c>/proc/loadavg</c>).</param>
/// <param name="CpuUsagePercent">CPU busy share across all cores since the previous heartbeat (<c>/proc/stat</c>).</param>
/// <param name="CpuCount">Logical processors.</param>
/// <param name="CpuTemperatureC">Hottest CPU thermal zone, °C.</param>
/// <param name="GpuTemperatureC">Hottest GPU thermal zone, °C.</param>
/// <param name="GpuLoadPercent">GPU load (Jetson <c>gpu.0/load</c>), percent.</param>
/// <param name="ProcessRssBytes">Resident memory of the agent process.</param>
/// <param name="MemoryTotalBytes">System memory (<c>MemTotal</c>).</param>
/// <param name="MemoryAvailableBytes">System memory available (<c>MemAvailable</c>).</param>
/// <param name="DataDiskFreeBytes">Free space of the file system holding the agent's data directory.</param>
/// <param name="Thermal">Every thermal zone read, by its type name.</param>
public sealed record ResourceHealth(
    double? CpuLoad1m = null,
    double? CpuUsagePercent = null,
    int? CpuCount = null,
    double? CpuTemperatureC = null,
    double? GpuTemperatureC = null,
    double? GpuLoadPercent = null,
    long? ProcessRssBytes = null,
    long? MemoryTotalBytes = null,
    long? MemoryAvailableBytes = null,
    long? DataDiskFreeBytes = null,
    IReadOnlyList<ThermalReading>? Thermal = null);

/// <summary>One thermal zone.</summary>
/// <param name="Zone">Its type (<c>thermal_zoneN/type</c>, for example CPU-therm, GPU-therm).</param>
/// <param name="Celsius">Temperature, °C.</param>
public sealed record ThermalReading(string Zone, double Celsius);

/// <summary>Runtime versions in a heartbeat.</summary>
/// <param name="OnnxRuntime">ONNX Runtime native library version.</param>
/// <param name="Dotnet">.NET runtime version.</param>
/// <param name="Os">Operating system description.</param>
public sealed record RuntimeVersions(string? OnnxRuntime, string? Dotnet, string? Os);

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
