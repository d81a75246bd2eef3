namespace Vsa.Edge.Agent.Core.Detection;

/// <summary>An axis-aligned box normalised to the frame: (0,0) top-left, (1,1) bottom-right.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public readonly record struct NormBox(float X, float Y, float Width, float Height)
{
    /// <summary>Right edge.</summary>
    public float Right => X + Width;

    /// <summary>Bottom edge.</summary>
    public float Bottom => Y + Height;

    /// <summary>Area (normalised units).</summary>
    public float Area => Width * Height;

    /// <summary>Centre of the bottom edge: where a walking person or a vehicle touches the ground.</summary>
    public (float X, float Y) BottomCentre => (X + Width / 2f, Y + Height);

    /// <summary>Box from its corners.</summary>
    public static NormBox FromCorners(float x0, float y0, float x1, float y1) => new(x0, y0, x1 - x0, y1 - y0);

    /// <summary>Intersection over union with another box; 0 when either is empty.</summary>
    public float IoU(in NormBox other)
    {
        var ix = MathF.Max(0f, MathF.Min(Right, other.Right) - MathF.Max(X, other.X));
        var iy = MathF.Max(0f, MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y));
        var inter = ix * iy;
        var union = Area + other.Area - inter;
        return union <= 0f ? 0f : inter / union;
    }
}

/// <summary>One detector output after decoding, in frame-normalised coordinates.</summary>
/// <param name="Box">The box.</param>
/// <param name="ClassId">Class index into the manifest labels.</param>
/// <param name="Score">Score in [0, 1].</param>
public readonly record struct Detection(NormBox Box, int ClassId, float Score);
