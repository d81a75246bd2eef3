using System.Text.Json;
using Vsa.Edge.FleetManager.DeviceConfigs;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>A camera's document as the fleet knows it, and where it came from.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="CameraId">The camera.</param>
/// <param name="Document">The camera document (its <c>source</c> must never be shown: it may hold credentials).</param>
/// <param name="Origin"><c>desired</c> (the fleet's) or <c>reported</c> (what the device said it runs).</param>
public sealed record KnownCamera(string DeviceId, string CameraId, JsonElement Document, string Origin)
{
    /// <summary>The camera's public name, if it has one.</summary>
    public string? PublicName => Text("publicName");

    /// <summary>The camera's public place, if it has one.</summary>
    public string? Place => Text("place");

    private string? Text(string name) =>
        Document.ValueKind == JsonValueKind.Object && Document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text ? text : null;
}

/// <summary>
/// The camera documents of the devices an authorisation names: the fleet's desired configuration, or, for a device never
/// configured from the fleet, the configuration it last reported.
/// </summary>
public sealed class CameraDirectory(ConfigStore configs)
{
    /// <summary>The known cameras of <paramref name="deviceIds"/>, keyed by (device, camera).</summary>
    public async Task<IReadOnlyDictionary<(string DeviceId, string CameraId), KnownCamera>> LoadAsync(IEnumerable<string> deviceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        var result = new Dictionary<(string, string), KnownCamera>();
        foreach (var deviceId in deviceIds.Distinct(StringComparer.Ordinal))
        {
            IReadOnlyList<JsonElement> cameras;
            string origin;
            if (await configs.FindDesiredAsync(deviceId, cancellationToken) is { } desired)
            {
                (cameras, origin) = (desired.Message().Cameras, "desired");
            }
            else if (await configs.FindReportedAsync(deviceId, cancellationToken) is { } reported)
            {
                (cameras, origin) = (reported.Message.Cameras, "reported");
            }
            else
            {
                continue;
            }

            foreach (var camera in cameras)
            {
                if (camera.ValueKind == JsonValueKind.Object && camera.TryGetProperty("cameraId", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    result[(deviceId, id.GetString()!)] = new KnownCamera(deviceId, id.GetString()!, camera, origin);
                }
            }
        }

        return result;
    }
}
