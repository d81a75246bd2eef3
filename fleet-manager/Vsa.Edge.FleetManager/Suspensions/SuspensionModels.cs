using System.Text.Json.Serialization;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>What a suspension of the video analysis covers (issue 14, item 1: the kill switch).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SuspensionScope>))]
public enum SuspensionScope
{
    /// <summary>One camera of one device.</summary>
    [JsonStringEnumMemberName("camera")] Camera,

    /// <summary>Every camera of one device.</summary>
    [JsonStringEnumMemberName("device")] Device,

    /// <summary>Every device enrolled on one site (the site of its active certificate).</summary>
    [JsonStringEnumMemberName("site")] Site,

    /// <summary>Every device of the fleet; the fleet also stops forwarding new alerts to the console's live queue.</summary>
    [JsonStringEnumMemberName("global")] Global,
}

/// <summary>A suspension, active or resumed.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Scope">What it covers.</param>
/// <param name="Site">The site (scope site), else null.</param>
/// <param name="DeviceId">The device (scope device or camera), else null.</param>
/// <param name="CameraId">The camera (scope camera), else null.</param>
/// <param name="Reason">Why it was suspended (mandatory).</param>
/// <param name="Since">When it was suspended (fleet clock).</param>
/// <param name="By">The account that suspended.</param>
/// <param name="ResumedAt">When it was resumed, null while active.</param>
/// <param name="ResumedBy">The account that resumed, null while active.</param>
/// <param name="ResumeReason">Why it was resumed, null while active.</param>
public sealed record SuspensionView(
    long Id,
    SuspensionScope Scope,
    string? Site,
    string? DeviceId,
    string? CameraId,
    string Reason,
    DateTimeOffset Since,
    string By,
    DateTimeOffset? ResumedAt = null,
    string? ResumedBy = null,
    string? ResumeReason = null)
{
    /// <summary>Whether it is still in force.</summary>
    public bool Active => ResumedAt is null;

    /// <summary>
    /// Whether it covers <paramref name="deviceId"/> on <paramref name="deviceSite"/> (and, when given, its camera
    /// <paramref name="cameraId"/>): a camera suspension covers only that camera, the other scopes every camera of the device.
    /// </summary>
    public bool Covers(string deviceId, string? deviceSite, string? cameraId) => Scope switch
    {
        SuspensionScope.Global => true,
        SuspensionScope.Site => deviceSite is not null && string.Equals(Site, deviceSite, StringComparison.Ordinal),
        SuspensionScope.Device => string.Equals(DeviceId, deviceId, StringComparison.Ordinal),
        SuspensionScope.Camera => cameraId is not null && string.Equals(DeviceId, deviceId, StringComparison.Ordinal) && string.Equals(CameraId, cameraId, StringComparison.Ordinal),
        _ => false,
    };
}

/// <summary>Body of <c>POST /api/suspensions</c>.</summary>
/// <param name="Scope">camera, device, site or global.</param>
/// <param name="Site">Required for scope site.</param>
/// <param name="DeviceId">Required for scope device and camera.</param>
/// <param name="CameraId">Required for scope camera.</param>
/// <param name="Reason">Why (mandatory, 3 to 500 characters).</param>
public sealed record SuspensionRequest(SuspensionScope? Scope, string? Site, string? DeviceId, string? CameraId, string? Reason);

/// <summary>Body of <c>POST /api/suspensions/{id}/resume</c>.</summary>
/// <param name="Reason">Why the analysis may run again (mandatory, 3 to 500 characters).</param>
public sealed record ResumeRequest(string? Reason);

/// <summary>
/// Read side of the kill switch, for other features (the public register shows "suspendu"): which suspensions are in force,
/// and whether a device or one of its cameras is suspended by any of them.
/// </summary>
public interface ISuspensionReader
{
    /// <summary>The suspensions in force, oldest first.</summary>
    Task<IReadOnlyList<SuspensionView>> ListActiveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether the analysis of <paramref name="deviceId"/> is suspended: by a global suspension, its site's, its own, or —
    /// when <paramref name="cameraId"/> is given — that camera's. Null camera: the device as a whole (camera suspensions do
    /// not count).
    /// </summary>
    Task<bool> IsSuspendedAsync(string deviceId, string? cameraId, CancellationToken cancellationToken);
}
