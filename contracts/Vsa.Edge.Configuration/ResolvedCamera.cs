using Vsa.Edge.Configuration.Geometry;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Configuration;

/// <summary>Which crossing of a line is forbidden.</summary>
internal enum ForbiddenCrossing
{
    LeftToRight,
    RightToLeft,
    Both,
}

/// <summary>A validated zone: its polygon and, if set, the allowed direction as a unit image vector.</summary>
internal sealed record ResolvedZone(string Id, Polygon Polygon, (double X, double Y)? AllowedDirection);

/// <summary>A validated line.</summary>
internal sealed record ResolvedLine(string Id, PointF A, PointF B, ForbiddenCrossing Forbidden);

/// <summary>A validated event with every default applied.</summary>
internal sealed record ResolvedEvent(
    int Index,
    EventType Type,
    bool Enabled,
    IReadOnlyList<string> Zones,
    IReadOnlyList<string> Lines,
    IReadOnlyList<string> Categories,
    bool CategoriesGiven,
    TimeSpan MinDuration,
    TimeSpan? Cooldown,
    IReadOnlyDictionary<string, double> Parameters,
    EventSchedule Schedule)
{
    public string At => $"events[{Index}]";
}

/// <summary>A camera configuration after validation: geometry as objects, the ground plane, events with defaults.</summary>
internal sealed class ResolvedCamera(CameraConfig config)
{
    public CameraConfig Config { get; } = config;

    public Dictionary<string, ResolvedZone> Zones { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, ResolvedLine> Lines { get; } = new(StringComparer.Ordinal);

    public GroundPlane Ground { get; set; } = GroundPlane.Uncalibrated;

    public TimeZoneInfo? TimeZone { get; set; }

    public List<ResolvedEvent> Events { get; } = [];
}
