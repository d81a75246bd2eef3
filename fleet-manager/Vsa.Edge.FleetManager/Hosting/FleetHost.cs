namespace Vsa.Edge.FleetManager.Hosting;

/// <summary>
/// Runs the fleet manager's host and says how it ended as the process exit code. A background service that fails stops the
/// host (<see cref="BackgroundServiceExceptionBehavior.StopHost"/>, the default, kept: a half-running fleet manager that no
/// longer ingests is worse than a restart), and then the process exits with <see cref="FatalExitCode"/>, not 0, so that a
/// supervisor set to restart on failure (systemd <c>Restart=on-failure</c>) restarts it.
/// </summary>
public static class FleetHost
{
    /// <summary>Exit code after a fatal stop: 70, <c>EX_SOFTWARE</c> of sysexits.h (an internal software error).</summary>
    public const int FatalExitCode = 70;

    /// <summary>Runs <paramref name="host"/> until it stops; 0 after a normal stop, <see cref="FatalExitCode"/> after a background service failed.</summary>
    public static async Task<int> RunAsync(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);

        // Taken before running: once stopped, the host is disposed and resolves nothing.
        var services = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToArray();
        await host.RunAsync();
        return ExitCode(services);
    }

    /// <summary><see cref="FatalExitCode"/> when one of <paramref name="services"/> ended with an exception, else 0.</summary>
    public static int ExitCode(IEnumerable<BackgroundService> services) =>
        services.Any(s => s.ExecuteTask is { IsFaulted: true }) ? FatalExitCode : 0;
}
