using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Live;

namespace Vsa.Edge.FleetManager.Alerts;

/// <summary>When the fleet gives up on the open alerts of a device that went away, section <c>Fleet:InterruptedAlerts</c>.</summary>
public sealed class InterruptedAlertsOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:InterruptedAlerts";

    /// <summary>
    /// How long a device may stay offline (its status, or its last will, says so; or its heartbeats stopped) before its open
    /// alerts are ended as interrupted. Default 10 minutes: longer than a reboot or a short network cut (the agent then ends
    /// them itself, or carries on), short enough that the console does not show a dead device's alerts as live for long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Time between two checks; the first runs at start. Default one minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Every <see cref="InterruptedAlertsOptions.Interval"/> on the injected clock, ends as interrupted the open alerts of the
/// devices silent for longer than <see cref="InterruptedAlertsOptions.Grace"/> (<see cref="AlertStore.InterruptSilentDevicesAsync"/>),
/// audits it per device, logs it and sends each alert to the live page, so no console keeps a dead device's alert as live.
/// </summary>
public sealed partial class InterruptedAlertsService(
    AlertStore alerts,
    LiveBroadcaster live,
    IOptions<InterruptedAlertsOptions> options,
    TimeProvider timeProvider,
    ILogger<InterruptedAlertsService> logger) : BackgroundService
{
    /// <summary>Actor of the audit entries.</summary>
    public const string Actor = "system:interrupted-alerts";

    private DateTimeOffset? _startedAt;
    private long _checks;
    private TaskCompletionSource _checked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Checks completed since start (successful or not).</summary>
    public long Checks => Interlocked.Read(ref _checks);

    /// <summary>Completes once at least <paramref name="count"/> checks have run.</summary>
    public async Task WaitForChecksAsync(long count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _checked).Task;
            if (Checks >= count)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Runs one check now (the timer calls it; so may a test).</summary>
    public async Task<IReadOnlyList<AlertView>> CheckAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();

        // While the fleet itself was down nobody could reach it: silence is judged only over time it was listening.
        _startedAt ??= now;
        if (now - options.Value.Grace < _startedAt)
        {
            return [];
        }

        var ended = await alerts.InterruptSilentDevicesAsync(now - options.Value.Grace, now, Actor, cancellationToken);
        foreach (var device in ended.GroupBy(a => a.DeviceId, StringComparer.Ordinal))
        {
            LogInterrupted(logger, device.Count(), device.Key, options.Value.Grace);
        }

        foreach (var alert in ended)
        {
            live.Publish(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(alert, FleetJsonContext.Default.AlertView)));
        }

        return ended;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _startedAt ??= timeProvider.GetUtcNow();
        using var timer = new PeriodicTimer(options.Value.Interval, timeProvider);
        try
        {
            do
            {
                try
                {
                    await CheckAsync(stoppingToken);
                }
                catch (DbException ex)
                {
                    LogFailed(logger, ex);
                }

                Interlocked.Increment(ref _checks);
                Interlocked.Exchange(ref _checked, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Ended {Count} open alerts of {DeviceId} as interrupted: the device has been offline for more than {Grace}")]
    private static partial void LogInterrupted(ILogger logger, int count, string deviceId, TimeSpan grace);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Could not end the alerts of offline devices; tried again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
