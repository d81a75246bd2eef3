namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>
/// The version of a device's next suspension state: the time of issue in milliseconds since 1970-01-01 UTC, or the previous
/// version + 1 when the clock is not past it. A device refuses a version not above the one it applies (a replay), so a counter
/// kept only in the fleet database would restart low after a restore of that database and every suspension issued since would
/// be refused as old; time keeps growing across a restore, so the first state issued after it is newer than any the devices
/// saw before (provided the fleet's clock did not go back: keep it synchronised, see docs/operations.md).
/// </summary>
public static class SuspensionVersions
{
    /// <summary>The version that follows <paramref name="previous"/> (0: none yet) when issued at <paramref name="now"/>.</summary>
    public static long Next(long previous, DateTimeOffset now) => Math.Max(checked(previous + 1), now.ToUnixTimeMilliseconds());
}
