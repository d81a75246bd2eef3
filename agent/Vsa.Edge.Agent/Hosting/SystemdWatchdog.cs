using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Pipeline;

namespace Vsa.Edge.Agent.Hosting;

/// <summary>The liveness check behind the systemd watchdog (configuration section <c>Watchdog</c>).</summary>
public sealed class WatchdogOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Watchdog";

    /// <summary>
    /// A camera pipeline that neither processed a frame nor reported its source offline for this long is stuck, and the
    /// watchdog ping stops, so systemd restarts the agent after <c>WatchdogSec</c>. Default 90 s: longer than the
    /// longest reconnect delay (30 s) plus an RTSP open timeout (about 30 s).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ProgressTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Ping period; null (default): half of systemd's <c>WATCHDOG_USEC</c>, and no pings when systemd set none.</summary>
    public TimeSpan? PingInterval { get; set; }
}

/// <summary>Which pipelines are stuck.</summary>
public static class PipelineLiveness
{
    /// <summary>
    /// Cameras that made no progress (<see cref="PipelineStats.SinceProgress"/>) within <paramref name="timeout"/> and
    /// are neither finished nor known to be offline (<paramref name="reportedOffline"/>: the capture layer reported the
    /// camera down and keeps reconnecting it).
    /// </summary>
    public static IReadOnlyList<string> Stuck(IEnumerable<PipelineStats> cameras, TimeSpan timeout, Func<string, bool>? reportedOffline = null)
    {
        ArgumentNullException.ThrowIfNull(cameras);
        return [.. cameras
            .Where(s => !s.Completed && s.SinceProgress > timeout && reportedOffline?.Invoke(s.CameraId) != true)
            .Select(s => s.CameraId)];
    }
}

/// <summary>
/// Pings the systemd watchdog (<c>WATCHDOG=1</c>) every <see cref="WatchdogOptions.PingInterval"/> — but only while every
/// camera pipeline makes progress. A stuck capture or inference loop thus makes systemd kill and restart the agent
/// (<c>WatchdogSec</c>, <c>Restart=on-failure</c>), which a plain "process alive" ping would never do.
/// </summary>
public sealed class SystemdWatchdog(
    ISystemdNotifier notifier,
    PipelineStatsRegistry registry,
    IOptions<WatchdogOptions> options,
    TimeProvider time,
    ILogger<SystemdWatchdog> logger,
    Func<string, bool>? reportedOffline = null) : BackgroundService
{
    private static readonly ServiceState Ping = new("WATCHDOG=1");
    private long _pings;

    /// <summary>Pings sent so far.</summary>
    public long Pings => Interlocked.Read(ref _pings);

    /// <summary>The ping period systemd asks for: half its <c>WATCHDOG_USEC</c> (for this process), or null.</summary>
    public static TimeSpan? FromEnvironment()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec / 2.0)
            : null;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PingInterval ?? FromEnvironment();
        if (interval is not { } period || !notifier.IsEnabled)
        {
            HostingLog.WatchdogOff(logger);
            return;
        }

        HostingLog.WatchdogOn(logger, period, options.Value.ProgressTimeout);
        using var timer = new PeriodicTimer(period, time);
        var withheld = false;
        do
        {
            var stuck = PipelineLiveness.Stuck(registry.All, options.Value.ProgressTimeout, reportedOffline);
            if (stuck.Count == 0)
            {
                notifier.Notify(Ping);
                Interlocked.Increment(ref _pings);
                if (withheld)
                {
                    HostingLog.WatchdogResumed(logger);
                    withheld = false;
                }
            }
            else if (!withheld)
            {
                HostingLog.WatchdogWithheld(logger, string.Join(", ", stuck), options.Value.ProgressTimeout);
                withheld = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
