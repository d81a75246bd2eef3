using System.Text.Json.Serialization;
using Vsa.Edge.Agent.Core.Geometry;

namespace Vsa.Edge.Agent.Core.Configuration;

/// <summary>One camera's configuration (<c>camera.json</c>); every coordinate is normalised to the frame.</summary>
/// <param name="CameraId">Camera id, unique within the device.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Source">RTSP URL, video file, V4L2 device or a GStreamer pipeline ending in appsink.</param>
/// <param name="Zones">Zones the events refer to.</param>
/// <param name="Events">Events evaluated on this camera.</param>
public sealed record CameraConfig(
    string CameraId,
    string? Name,
    string Source,
    IReadOnlyList<ZoneConfig> Zones,
    IReadOnlyList<EventConfig> Events);

/// <summary>A zone: a simple polygon in frame-normalised coordinates.</summary>
/// <param name="Id">Zone id, unique within the camera; alerts carry it.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Polygon">Vertices as [x, y] pairs in [0, 1].</param>
public sealed record ZoneConfig(string Id, string? Name, IReadOnlyList<IReadOnlyList<float>> Polygon)
{
    /// <summary>The polygon as geometry (call after validation: every vertex has two coordinates).</summary>
    public Polygon ToPolygon()
    {
        var points = new PointF[Polygon.Count];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = new PointF(Polygon[i][0], Polygon[i][1]);
        }

        return new Polygon(points);
    }
}

/// <summary>An event to evaluate.</summary>
/// <param name="Type">Wire name of one of the eight authorised events (<c>intrusion</c>, <c>wrong_way</c>, …).</param>
/// <param name="Zones">Ids of the zones it applies to.</param>
/// <param name="Categories">Object categories (manifest categories: person, vehicle, …) it applies to.</param>
/// <param name="MinDurationSeconds">How long the condition must hold before an alert starts.</param>
/// <param name="Enabled">Disabled events are validated but not evaluated.</param>
public sealed record EventConfig(
    string Type,
    IReadOnlyList<string> Zones,
    IReadOnlyList<string> Categories,
    double MinDurationSeconds,
    bool Enabled = true);

/// <summary>Source-generated metadata for <c>camera.json</c>: camelCase, comments and trailing commas allowed, unknown properties rejected.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    WriteIndented = true)]
[JsonSerializable(typeof(CameraConfig))]
internal sealed partial class CameraConfigJsonContext : JsonSerializerContext;
