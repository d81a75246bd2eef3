using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Agent.Tests.Support;

namespace Vsa.Edge.Agent.Tests.Hosting;

/// <summary>The watchdog pings systemd only while every camera pipeline makes progress.</summary>
public sealed class SystemdWatchdogTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly PipelineStatsRegistry _registry = new();
    private readonly RecordingNotifier _notifier = new();

    public SystemdWatchdogTests() => _loggers = _logs.CreateFactory();

    public void Dispose()
    {
        _loggers.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public void Stuck_CameraWithoutProgress_IsNamedUnlessDoneOrReportedOffline()
    {
        var healthy = Register("healthy");
        var stuck = Register("stuck");
        var done = Register("done");
        var offline = Register("offline");
        _time.Advance(TimeSpan.FromSeconds(5));
        healthy.FrameProcessed();
        _time.Advance(TimeSpan.FromSeconds(8));
        done.Completed = true;

        Assert.Empty(PipelineLiveness.Stuck(_registry.All, TimeSpan.FromSeconds(20)));
        Assert.Equal(["offline", "stuck"], PipelineLiveness.Stuck(_registry.All, Timeout));
        Assert.Equal(["stuck"], PipelineLiveness.Stuck(_registry.All, Timeout, id => id == "offline"));
        offline.ReportSourceOffline();
        Assert.Equal(["stuck"], PipelineLiveness.Stuck(_registry.All, Timeout));
    }

    [Fact]
    public async Task ExecuteAsync_PipelineStuck_WithholdsThePingUntilItProgressesAgain()
    {
        var camera = Register("cam-1");
        _time.Advance(TimeSpan.FromSeconds(11));
        using var watchdog = Watchdog();

        await watchdog.StartAsync(CancellationToken.None);
        var withheld = await _logs.WaitForAsync(e => e.EventId == 7002);

        Assert.Contains("cam-1", withheld.Message, StringComparison.Ordinal);
        Assert.Equal(0, _notifier.Pings);
        camera.FrameProcessed();
        _time.Advance(TimeSpan.FromSeconds(1));
        await _notifier.WaitForPingsAsync(1);
        await _logs.WaitForAsync(e => e.EventId == 7003);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _notifier.WaitForPingsAsync(2);
        Assert.All(_notifier.States, s => Assert.Equal("WATCHDOG=1", s));
        await watchdog.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ExecuteAsync_NoWatchdogRequested_NeverPings()
    {
        Register("cam-1");
        using var watchdog = new SystemdWatchdog(
            _notifier, _registry, Options.Create(new WatchdogOptions { PingInterval = null }), _time, _loggers.CreateLogger<SystemdWatchdog>());

        await watchdog.StartAsync(CancellationToken.None);
        await _logs.WaitForAsync(e => e.EventId == 7000);

        Assert.Equal(0, _notifier.Pings);
        await watchdog.StopAsync(CancellationToken.None);
    }

    private PipelineStats Register(string cameraId)
    {
        var stats = new PipelineStats(cameraId, _time);
        _registry.Register(stats);
        return stats;
    }

    private SystemdWatchdog Watchdog() =>
        new(_notifier, _registry, Options.Create(new WatchdogOptions { PingInterval = TimeSpan.FromSeconds(1), ProgressTimeout = Timeout }), _time, _loggers.CreateLogger<SystemdWatchdog>());

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        private readonly Lock _gate = new();
        private readonly List<string> _states = [];
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

        public bool IsEnabled => true;

        public int Pings
        {
            get
            {
                lock (_gate)
                {
                    return _states.Count;
                }
            }
        }

        public IReadOnlyList<string> States
        {
            get
            {
                lock (_gate)
                {
                    return [.. _states];
                }
            }
        }

        public void Notify(ServiceState state)
        {
            lock (_gate)
            {
                _states.Add(state.ToString());
                foreach (var waiter in _waiters.Where(w => _states.Count >= w.Count))
                {
                    waiter.Done.TrySetResult();
                }
            }
        }

        public Task WaitForPingsAsync(int count)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_states.Count >= count)
                {
                    return Task.CompletedTask;
                }

                _waiters.Add((count, done));
            }

            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}
