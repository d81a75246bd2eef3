using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Alerts;

/// <summary>The fleet ends the open alerts of a device that stayed offline past the grace period: real SQLite, fake clock.</summary>
public sealed class InterruptedAlertsServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);
    private MigratedSqlite _sqlite = null!;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private FleetDatabase _database = null!;
    private AuditLog _audit = null!;
    private AlertStore _alerts = null!;
    private DeviceStore _devices = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await MigratedSqlite.CreateAsync(_clock, "vsa-fleet-interrupted-");
        _database = _sqlite.Database;
        _audit = new AuditLog(_database, _clock);
        _alerts = new AlertStore(_database, _audit);
        _devices = new DeviceStore(_database);
    }

    [Fact]
    public async Task Service_DeviceOfflinePastTheGrace_ItsOpenAlertsEndAsInterruptedOthersStayLive()
    {
        var gone = Samples.AlertStart("pole-12");
        var alive = Samples.AlertStart("pole-13");
        var beating = Samples.AlertStart("pole-14");
        await _alerts.ApplyAsync(gone, _clock.GetUtcNow(), CancellationToken.None);
        await _alerts.ApplyAsync(alive, _clock.GetUtcNow(), CancellationToken.None);
        await _alerts.ApplyAsync(beating, _clock.GetUtcNow(), CancellationToken.None);
        await _devices.ApplyStatusAsync(Samples.Status("pole-12", DeviceState.Offline, Samples.T0), _clock.GetUtcNow(), CancellationToken.None);
        await _devices.ApplyStatusAsync(Samples.Status("pole-13", DeviceState.Online, Samples.T0), _clock.GetUtcNow(), CancellationToken.None);
        var live = new LiveBroadcaster(Options.Create(new LiveOptions()), NullLogger<LiveBroadcaster>.Instance);
        using var tap = live.Subscribe();
        using var service = new InterruptedAlertsService(_alerts, live, Options.Create(new InterruptedAlertsOptions { Grace = Grace, Interval = TimeSpan.FromMinutes(1) }), _clock, NullLogger<InterruptedAlertsService>.Instance);
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await service.StartAsync(CancellationToken.None);
        await service.WaitForChecksAsync(1, guard.Token);

        // pole-14 keeps sending heartbeats: it is not gone, whatever its alerts do.
        for (var minute = 1; minute <= 10; minute++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            await _devices.ApplyHeartbeatAsync(Samples.Health("pole-14", _clock.GetUtcNow()), _clock.GetUtcNow(), CancellationToken.None);
            await service.WaitForChecksAsync(minute + 1, guard.Token);
        }

        var atTheGrace = await _alerts.FindAsync(gone.AlertId, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await service.WaitForChecksAsync(12, guard.Token);
        await service.StopAsync(CancellationToken.None);

        var ended = await _alerts.FindAsync(gone.AlertId, CancellationToken.None);
        Assert.Equal(AlertState.Start, atTheGrace!.State);
        Assert.Equal((AlertState.End, AlertEndReason.Interrupted, gone.ObservedAt), (ended!.State, ended.EndReason, ended.EndedAt));
        Assert.Equal(gone.Sequence, ended.Sequence);
        Assert.Equal(AlertState.Start, (await _alerts.FindAsync(alive.AlertId, CancellationToken.None))!.State);
        Assert.Equal(AlertState.Start, (await _alerts.FindAsync(beating.AlertId, CancellationToken.None))!.State);
        var entry = Assert.Single(await _audit.ReadAsync(0, 10, CancellationToken.None));
        Assert.Equal((AuditActions.AlertsInterrupted, "pole-12", InterruptedAlertsService.Actor), (entry.Action, entry.Target, entry.Actor));
        Assert.True(tap.Reader.TryRead(out var announced));
        Assert.Contains("\"endReason\":\"interrupted\"", announced.Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_AgentEndsItAfterwards_ItsOwnInterruptedEndAppliesAndALiveDeviceResumes()
    {
        var first = Samples.AlertStart("pole-12");
        var second = Samples.AlertStart("pole-12");
        await _alerts.ApplyAsync(first, _clock.GetUtcNow(), CancellationToken.None);
        await _alerts.ApplyAsync(second, _clock.GetUtcNow(), CancellationToken.None);
        await _devices.ApplyHeartbeatAsync(Samples.Health("pole-12", Samples.T0), _clock.GetUtcNow(), CancellationToken.None);
        var live = new LiveBroadcaster(Options.Create(new LiveOptions()), NullLogger<LiveBroadcaster>.Instance);
        var service = new InterruptedAlertsService(_alerts, live, Options.Create(new InterruptedAlertsOptions { Grace = Grace }), _clock, NullLogger<InterruptedAlertsService>.Instance);
        Assert.Empty(await service.CheckAsync(CancellationToken.None));

        _clock.Advance(Grace);
        var atTheGrace = await service.CheckAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var ended = await service.CheckAsync(CancellationToken.None);
        var again = await service.CheckAsync(CancellationToken.None);
        var agentEnd = Samples.Next(first, AlertState.End, 1, 3) with { EndReason = AlertEndReason.Interrupted };
        await _alerts.ApplyAsync(agentEnd, _clock.GetUtcNow(), CancellationToken.None);
        await _alerts.ApplyAsync(Samples.Next(second, AlertState.Update, 1, 3), _clock.GetUtcNow(), CancellationToken.None);

        Assert.Empty(atTheGrace);
        Assert.Equal(2, ended.Count);
        Assert.Empty(again);
        var afterAgentEnd = await _alerts.FindAsync(first.AlertId, CancellationToken.None);
        Assert.Equal((AlertState.End, AlertEndReason.Interrupted, 1), (afterAgentEnd!.State, afterAgentEnd.EndReason, afterAgentEnd.Sequence));
        var resumed = await _alerts.FindAsync(second.AlertId, CancellationToken.None);
        Assert.Equal((AlertState.Update, (AlertEndReason?)null), (resumed!.State, resumed.EndReason));
    }

    public async Task DisposeAsync()
    {
        await _sqlite.DisposeAsync();
    }
}
