namespace Vsa.Edge.Configuration.Geometry;

/// <summary>
/// Where rules measure distances, speeds and areas: on the ground in metres when the camera is calibrated, otherwise
/// in frame-normalised units (the frame is 1 × 1, so a "frame" unit is the frame's width horizontally and its height
/// vertically). Every measurement names its unit so an uncalibrated camera never passes a frame fraction off as metres.
/// </summary>
public sealed class GroundPlane
{
    private readonly Homography? _homography;

    /// <summary>Creates the plane; <paramref name="homography"/> null means uncalibrated.</summary>
    public GroundPlane(Homography? homography) => _homography = homography;

    /// <summary>A plane without calibration.</summary>
    public static GroundPlane Uncalibrated { get; } = new(null);

    /// <summary>Whether distances are metres.</summary>
    public bool IsCalibrated => _homography is not null;

    /// <summary>The image → ground map, or null.</summary>
    public Homography? Homography => _homography;

    /// <summary>"m" when calibrated, "frame" otherwise.</summary>
    public string DistanceUnit => IsCalibrated ? "m" : "frame";

    /// <summary>"m/s" when calibrated, "frame/s" otherwise.</summary>
    public string SpeedUnit => IsCalibrated ? "m/s" : "frame/s";

    /// <summary>
    /// Ground position of an image point: metres when calibrated, the point itself otherwise. NaN when calibrated and
    /// the point lies beyond the horizon (no ground position): callers skip it.
    /// </summary>
    public (double X, double Y) ToGround(double x, double y)
    {
        if (_homography is null)
        {
            return (x, y);
        }

        return _homography.IsInFront(x, y) ? _homography.ToWorld(x, y) : (double.NaN, double.NaN);
    }

    /// <summary>Area of a polygon: m² when calibrated (valid only if it lies in front of the horizon), normalised frame area otherwise.</summary>
    public double Area(Polygon polygon)
    {
        ArgumentNullException.ThrowIfNull(polygon);
        return _homography is null ? polygon.Area : _homography.Area(polygon.Vertices);
    }

    /// <summary>Distance between two ground positions from <see cref="ToGround"/>.</summary>
    public static double Distance((double X, double Y) a, (double X, double Y) b)
    {
        var dx = a.X - b.X;
        var dy = a.Y - b.Y;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }
}
