namespace Vsa.Edge.Agent.Setup;

/// <summary>A detection as the page draws it (frame-normalised box).</summary>
internal sealed record LiveBox(float X, float Y, float W, float H, string Label, float Score, int Track);

/// <summary>Which side of a line a track's feet are on, as seen looking from A towards B.</summary>
internal sealed record LineSide(string Line, string Side);

/// <summary>A confirmed track seen on this frame: its box, the zones its feet are in, its side of each line, its recent feet positions.</summary>
internal sealed record LiveTrack(int Id, string Label, float X, float Y, float W, float H, IReadOnlyList<string> Zones, IReadOnlyList<LineSide> Lines, IReadOnlyList<float> Trail);

/// <summary>
/// What one enabled event sees now in one of its zones (or lines, or the whole frame): how many subjects of its
/// categories, for how long the longest present has been there, its minimum duration, and how long the real rule
/// engine's alert has been open (null: none open).
/// </summary>
internal sealed record EventStatus(int Index, string Type, bool Enabled, string? Zone, string? Line, string Category, int Count, double? Seconds, double MinDuration, double? AlertSeconds);

/// <summary>One analysed frame's overlay; <see cref="AgeMs"/> is filled when it is sent.</summary>
internal sealed record LiveSnapshot(
    long Seq,
    long CapturedUnixMs,
    double AgeMs,
    int Width,
    int Height,
    IReadOnlyList<LiveBox> Detections,
    IReadOnlyList<LiveTrack> Tracks,
    IReadOnlyList<EventStatus> Events,
    int AlertsRaised,
    string? Status);
