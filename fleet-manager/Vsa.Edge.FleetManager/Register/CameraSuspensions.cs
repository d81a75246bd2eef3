using Vsa.Edge.FleetManager.Suspensions;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>Which of some cameras have their analysis suspended now (the kill switch's read side).</summary>
public static class CameraSuspensions
{
    /// <summary>
    /// A predicate (device, camera) → suspended now, for the cameras of <paramref name="cameras"/> (a global, site, device or
    /// camera suspension); false for any other camera. One read of the suspensions in force when none is.
    /// </summary>
    public static async Task<Func<string, string, bool>> LoadAsync(ISuspensionReader reader, IEnumerable<(string DeviceId, string CameraId)> cameras, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(cameras);
        if ((await reader.ListActiveAsync(cancellationToken)).Count == 0)
        {
            return static (_, _) => false;
        }

        var suspended = new HashSet<(string, string)>();
        foreach (var camera in cameras.Distinct())
        {
            if (await reader.IsSuspendedAsync(camera.DeviceId, camera.CameraId, cancellationToken))
            {
                suspended.Add(camera);
            }
        }

        return (device, camera) => suspended.Contains((device, camera));
    }
}
