using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>Alerts of silent devices ended as interrupted, and the agent's own end reason, on both engines.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task InterruptSilentDevicesAsync_OfflineDevice_EndsItsOpenAlertOnceWithTheReasonAndAudits()
    {
        var open = Samples.AlertStart("pole-12");
        var cleared = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(open, Now, CancellationToken.None);
        await Alerts.ApplyAsync(cleared, Now, CancellationToken.None);
        await Alerts.ApplyAsync(Samples.Next(cleared, AlertState.End, 1, 2), Now, CancellationToken.None);
        await Devices.ApplyStatusAsync(Samples.Status("pole-12", DeviceState.Offline, Now), Now, CancellationToken.None);

        var notYet = await Alerts.InterruptSilentDevicesAsync(Now, Now.AddMinutes(10), "system:test", CancellationToken.None);
        var ended = await Alerts.InterruptSilentDevicesAsync(Now.AddSeconds(1), Now.AddMinutes(10), "system:test", CancellationToken.None);
        var again = await Alerts.InterruptSilentDevicesAsync(Now.AddMinutes(5), Now.AddMinutes(15), "system:test", CancellationToken.None);

        Assert.Empty(notYet);
        var alert = Assert.Single(ended);
        Assert.Equal((open.AlertId, AlertState.End, AlertEndReason.Interrupted, open.ObservedAt), (alert.AlertId, alert.State, alert.EndReason, alert.EndedAt));
        Assert.Empty(again);
        Assert.Equal(AlertEndReason.Cleared, (await Alerts.FindAsync(cleared.AlertId, CancellationToken.None))!.EndReason);
        var entry = (await Audit.ReadAsync(0, 10, CancellationToken.None)).Single(e => e.Action == AuditActions.AlertsInterrupted);
        Assert.Equal("pole-12", entry.Target);
        Assert.Contains(open.AlertId, entry.Details, StringComparison.Ordinal);
    }
}
