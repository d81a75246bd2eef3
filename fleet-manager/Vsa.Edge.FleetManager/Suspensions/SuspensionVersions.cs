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
    /// <summary>
    /// How far past the fleet's clock a device's reported version is still believed: further, the report is ignored (a
    /// hostile device cannot push its own versions towards overflow, and an honest one never reports that far ahead).
    /// </summary>
    public static readonly TimeSpan MaxReportedAhead = TimeSpan.FromDays(366);

    /// <summary>The version that follows <paramref name="previous"/> (0: none yet) when issued at <paramref name="now"/>.</summary>
    public static long Next(long previous, DateTimeOffset now) => Next(previous, reported: null, now);

    /// <summary>
    /// The version that follows both <paramref name="previous"/> (the fleet's last, 0: none yet) and
    /// <paramref name="reported"/> (the version the device says in its last heartbeat that it applies): after a database
    /// restore on a fleet whose clock is now behind what a device applied (the clock was ahead, then corrected), time alone
    /// would issue an "older" state the device refuses as a replay, and the kill switch would silently do nothing.
    /// </summary>
    public static long Next(long previous, long? reported, DateTimeOffset now)
    {
        var clock = now.ToUnixTimeMilliseconds();
        var next = Math.Max(checked(previous + 1), clock);
        return reported is { } applied && applied >= next && applied <= clock + (long)MaxReportedAhead.TotalMilliseconds
            ? applied + 1
            : next;
    }
}
