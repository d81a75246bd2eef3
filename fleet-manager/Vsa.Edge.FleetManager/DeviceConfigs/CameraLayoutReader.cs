using System.Text.Json;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>
/// Reads the geometry out of a camera document, leniently: a reported document comes from a device and may leave out fields
/// the console does not draw (its <c>source</c> included). Never copies the source address.
/// </summary>
public static class CameraLayoutReader
{
    /// <summary>The document of <paramref name="cameraId"/> among <paramref name="cameras"/>, or null.</summary>
    public static JsonElement? Find(IReadOnlyList<JsonElement>? cameras, string cameraId)
    {
        foreach (var camera in cameras ?? [])
        {
            if (camera.ValueKind == JsonValueKind.Object && Text(camera, "cameraId") == cameraId)
            {
                return camera;
            }
        }

        return null;
    }

    /// <summary>The layout of one camera document.</summary>
    public static CameraLayout Read(string deviceId, string cameraId, string origin, JsonElement camera) => new(
        deviceId,
        cameraId,
        origin,
        [.. Items(camera, "zones").Where(z => Text(z, "id") is not null).Select(z => new ZoneLayout(Text(z, "id")!, Text(z, "name"), Points(z, "polygon")))],
        [.. Items(camera, "lines").Where(l => Text(l, "id") is not null).Select(l => new LineLayout(Text(l, "id")!, Text(l, "name"), Points(l, "points"), Text(l, "forbidden") ?? "both"))],
        [.. Items(camera, "privacyMasks").Select(m => new MaskLayout(Text(m, "id"), Points(m, "polygon")))],
        Text(camera, "publicName"),
        Text(camera, "place"),
        Bounded(Text(camera, "displayName")),
        Bounded(Text(camera, "vmsName")),
        Text(camera, "vmsLinkTemplate") is { Length: <= CameraNamesValidator.MaxTemplateLength } template ? template : null);

    // A reported document comes from the device: names are cut to the validator's bound, never trusted as longer.
    private static string? Bounded(string? name) => name is { Length: > CameraNamesValidator.MaxNameLength } ? name[..CameraNamesValidator.MaxNameLength] : name;

    /// <summary>
    /// A copy of a camera document whose source address has its password replaced by <c>***</c> (RTSP URLs, URLs inside a
    /// GStreamer pipeline and its password properties, see <see cref="SourceSecrets.Mask"/>), for readers who may see the configuration but not the cameras' credentials.
    /// </summary>
    public static JsonElement RedactSource(JsonElement camera)
    {
        if (camera.ValueKind != JsonValueKind.Object || Text(camera, "source") is not { } source)
        {
            return camera;
        }

        var redacted = SourceSecrets.Mask(source);
        if (redacted == source)
        {
            return camera;
        }

        var node = System.Text.Json.Nodes.JsonNode.Parse(camera.GetRawText())!.AsObject();
        node["source"] = redacted;
        return JsonSerializer.SerializeToElement(node, Api.FleetJsonContext.Default.JsonObject);
    }

    private static IEnumerable<JsonElement> Items(JsonElement camera, string name) =>
        camera.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object)
            : [];

    private static double[][] Points(JsonElement item, string name) =>
        item.TryGetProperty(name, out var points) && points.ValueKind == JsonValueKind.Array
            ? [.. points.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 2 && p.EnumerateArray().All(c => c.ValueKind == JsonValueKind.Number))
                .Select(p => new[] { p[0].GetDouble(), p[1].GetDouble() })]
            : [];

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
