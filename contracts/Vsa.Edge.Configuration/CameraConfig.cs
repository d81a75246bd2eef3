using System.Text.Json.Serialization;
using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Configuration;

/// <summary>One camera's configuration (<c>camera.json</c>); every image coordinate is normalised to the frame.</summary>
/// <param name="CameraId">Camera id, unique within the device.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Source">RTSP URL, video file, V4L2 device or a GStreamer pipeline ending in appsink.</param>
/// <param name="Zones">Zones the events refer to.</param>
/// <param name="Events">Events evaluated on this camera.</param>
/// <param name="Lines">Tripwires: intrusion counts crossings in their forbidden direction; allowed directions may refer to them.</param>
/// <param name="PrivacyMasks">Regions blanked before inference (dwellings, CSI L251-3); never the whole frame.</param>
/// <param name="Calibration">Ground calibration (image ↔ metres); without it, distances and densities fall back to frame units.</param>
/// <param name="TimeZone">IANA time zone of the camera (for example <c>Europe/Paris</c>); required when an event has a schedule.</param>
/// <param name="PublicName">The name the public register shows (for example "Parvis de la gare"); optional, see <see cref="CameraPublicInfo"/>.</param>
/// <param name="Place">The place the public register shows (for example "Place Bellecour, Lyon 2e"); optional.</param>
/// <param name="DisplayName">What operators call the camera on the console ("Parvis nord"); optional, see <see cref="CameraNamesValidator"/>.</param>
/// <param name="VmsName">The camera's name in the city's video management software, to find it there; optional.</param>
/// <param name="VmsLinkTemplate">An http(s) link opening the camera's recording in that software, with placeholders; optional.</param>
public sealed record CameraConfig(
    string CameraId,
    string? Name,
    string Source,
    IReadOnlyList<ZoneConfig> Zones,
    IReadOnlyList<EventConfig> Events,
    IReadOnlyList<LineConfig>? Lines = null,
    IReadOnlyList<PrivacyMaskConfig>? PrivacyMasks = null,
    CalibrationConfig? Calibration = null,
    string? TimeZone = null,
    string? PublicName = null,
    string? Place = null,
    string? DisplayName = null,
    string? VmsName = null,
    string? VmsLinkTemplate = null)
{
    /// <summary>
    /// The privacy masks in pixel coordinates for a frame of the given size, for the host to fill before inference
    /// (for example with OpenCV's <c>FillPoly</c>). A vertex at 1.0 maps to <paramref name="width"/> (one past the last
    /// pixel) so masks drawn to the frame's edge cover the last column and row. Rasterises nothing.
    /// </summary>
    public IReadOnlyList<(int X, int Y)[]> PrivacyMaskPixels(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var masks = PrivacyMasks ?? [];
        var result = new List<(int X, int Y)[]>(masks.Count);
        foreach (var mask in masks)
        {
            var points = new (int X, int Y)[mask.Polygon.Count];
            for (var i = 0; i < points.Length; i++)
            {
                points[i] = ((int)Math.Round(mask.Polygon[i][0] * (double)width), (int)Math.Round(mask.Polygon[i][1] * (double)height));
            }

            result.Add(points);
        }

        return result;
    }
}

/// <summary>A zone: a simple polygon in frame-normalised coordinates.</summary>
/// <param name="Id">Zone id, unique among the camera's zones and lines; alerts carry it.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Polygon">Vertices as [x, y] pairs in [0, 1].</param>
/// <param name="AllowedDirection">Direction of traffic in the zone, required by <c>wrong_way</c>.</param>
public sealed record ZoneConfig(string Id, string? Name, IReadOnlyList<IReadOnlyList<float>> Polygon, AllowedDirectionConfig? AllowedDirection = null)
{
    /// <summary>The polygon as geometry (call after validation: every vertex has two coordinates).</summary>
    public Polygon ToPolygon() => ToPolygon(Polygon);

    internal static Polygon ToPolygon(IReadOnlyList<IReadOnlyList<float>> vertices)
    {
        var points = new PointF[vertices.Count];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = new PointF(vertices[i][0], vertices[i][1]);
        }

        return new Polygon(points);
    }
}

/// <summary>The allowed direction of traffic in a zone: either an image vector or from one line towards another.</summary>
/// <param name="Vector">[dx, dy] in the image (y points down: [0, -1] is "up the frame").</param>
/// <param name="FromLine">Id of the line traffic comes from (with <paramref name="ToLine"/>): the direction is from its midpoint to the other's.</param>
/// <param name="ToLine">Id of the line traffic goes to.</param>
public sealed record AllowedDirectionConfig(IReadOnlyList<float>? Vector = null, string? FromLine = null, string? ToLine = null);

/// <summary>A tripwire between two points.</summary>
/// <param name="Id">Line id, unique among the camera's zones and lines; alerts carry it.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Points">Exactly two [x, y] points in [0, 1], A then B.</param>
/// <param name="Forbidden">
/// Which crossing raises an intrusion: <c>left_to_right</c>, <c>right_to_left</c> or <c>both</c> (default). Left and
/// right are as seen on the image looking from A towards B: with A at the bottom and B at the top, left is the
/// frame's left.
/// </param>
public sealed record LineConfig(string Id, string? Name, IReadOnlyList<IReadOnlyList<float>> Points, string? Forbidden = null);

/// <summary>A region blanked before inference.</summary>
/// <param name="Id">Optional id, for messages.</param>
/// <param name="Polygon">Vertices as [x, y] pairs in [0, 1].</param>
public sealed record PrivacyMaskConfig(string? Id, IReadOnlyList<IReadOnlyList<float>> Polygon);

/// <summary>Ground calibration: at least four image points with their ground positions in metres, no three of four collinear.</summary>
/// <param name="Points">The correspondences.</param>
public sealed record CalibrationConfig(IReadOnlyList<CalibrationPointConfig> Points)
{
    /// <summary>Fits the image → ground homography (call after validation); null with a reason when it cannot.</summary>
    public Homography? TryFit(out string problem)
    {
        var image = new (double X, double Y)[Points.Count];
        var world = new (double X, double Y)[Points.Count];
        for (var i = 0; i < Points.Count; i++)
        {
            image[i] = (Points[i].Image[0], Points[i].Image[1]);
            world[i] = (Points[i].World[0], Points[i].World[1]);
        }

        return Homography.TryFit(image, world, out var h, out problem) ? h : null;
    }
}

/// <summary>One correspondence of the ground calibration.</summary>
/// <param name="Image">[x, y] normalised to the frame.</param>
/// <param name="World">[x, y] on the ground, metres, in any fixed frame of reference.</param>
public sealed record CalibrationPointConfig(IReadOnlyList<double> Image, IReadOnlyList<double> World);

/// <summary>An event to evaluate.</summary>
/// <param name="Type">Wire name of one of the eight authorised events (<c>intrusion</c>, <c>wrong_way</c>, …).</param>
/// <param name="Zones">Ids of the zones it applies to; empty means the whole frame for the events that allow it.</param>
/// <param name="Categories">Object categories (manifest categories: person, vehicle, bag, weapon, fire); each event has a default.</param>
/// <param name="MinDurationSeconds">How long the condition must hold before an alert starts; each event has a default.</param>
/// <param name="Enabled">Disabled events are validated but not evaluated.</param>
/// <param name="Lines">Ids of the lines it applies to (intrusion only).</param>
/// <param name="CooldownSeconds">After an alert ends, how long the same subject cannot raise a new one (default: the agent's, 30 s).</param>
/// <param name="Parameters">Event-specific thresholds by name (see docs/events.md); unknown names are rejected.</param>
/// <param name="Schedule">When new alerts may start; always when absent.</param>
public sealed record EventConfig(
    string Type,
    IReadOnlyList<string>? Zones = null,
    IReadOnlyList<string>? Categories = null,
    double? MinDurationSeconds = null,
    bool Enabled = true,
    IReadOnlyList<string>? Lines = null,
    double? CooldownSeconds = null,
    IReadOnlyDictionary<string, double>? Parameters = null,
    ScheduleConfig? Schedule = null);

/// <summary>Days and hours (camera's local time) when an event may start new alerts.</summary>
/// <param name="Days">Any of <c>mon</c> … <c>sun</c>; all days when absent.</param>
/// <param name="Hours">Ranges <c>"HH:mm-HH:mm"</c>, end exclusive, <c>24:00</c> allowed; a range ending before it starts runs past midnight and belongs to the day it starts. All day when absent.</param>
public sealed record ScheduleConfig(IReadOnlyList<string>? Days = null, IReadOnlyList<string>? Hours = null);

/// <summary>Source-generated metadata for <c>camera.json</c>: camelCase, comments and trailing commas allowed, unknown properties rejected.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(CameraConfig))]
internal sealed partial class CameraConfigJsonContext : JsonSerializerContext;
