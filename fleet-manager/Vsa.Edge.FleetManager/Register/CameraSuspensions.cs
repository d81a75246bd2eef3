namespace Vsa.Edge.FleetManager.Register;

/// <summary>Where the register and the reports learn which cameras have their analysis suspended now (the kill switch).</summary>
public interface ICameraSuspensionSource
{
    /// <summary>A predicate (device, camera) → suspended now, global, site and device suspensions included.</summary>
    Task<Func<string, string, bool>> LoadAsync(CancellationToken cancellationToken);
}

/// <summary>Combines the registered sources; none registered: nothing is suspended.</summary>
public static class CameraSuspensions
{
    /// <summary>Whether any source says the camera is suspended.</summary>
    public static async Task<Func<string, string, bool>> LoadAsync(IEnumerable<ICameraSuspensionSource> sources, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var predicates = new List<Func<string, string, bool>>();
        foreach (var source in sources)
        {
            predicates.Add(await source.LoadAsync(cancellationToken));
        }

        return (device, camera) => predicates.Exists(p => p(device, camera));
    }
}
