using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>An alert's identity (event type, camera, zone, start) never changes once stored, on both engines.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task ApplyAsync_ConfirmedIntrusionThenUpdateAsFireOnOtherCamera_KeepsIdentityAndLogsMessage()
    {
        var start = Samples.AlertStart("pole-12");
        await Alerts.ApplyAsync(start, Now, CancellationToken.None);
        await Alerts.DecideAsync(start.AlertId, AlertDecisionKind.Confirmed, null, null, "alice", Now.AddMinutes(1), CancellationToken.None);
        var rewrite = Samples.Next(start, AlertState.Update, 1, 3) with
        {
            EventType = EventType.Fire,
            CameraId = "cam-9",
            ZoneId = "ailleurs",
            StartedAt = start.StartedAt.AddHours(1),
        };

        var result = await Alerts.ApplyAsync(rewrite, Now.AddMinutes(2), CancellationToken.None);

        var stored = (await Alerts.FindAsync(start.AlertId, CancellationToken.None))!;
        Assert.Equal(AlertApplyOutcome.IdentityChanged, result.Outcome);
        Assert.Equal((EventType.Intrusion, "cam-1", "quai-nord", start.StartedAt, 0), (stored.EventType, stored.CameraId, stored.ZoneId, stored.StartedAt, stored.Sequence));
        Assert.Equal(AlertDecisionKind.Confirmed, stored.Decision!.Decision);
        Assert.Equal(2, await Alerts.CountMessagesAsync(start.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task ApplyAsync_UpdateWithSameIdentity_StillMovesForward()
    {
        var start = Samples.AlertStart("pole-12") with { ZoneId = null };
        await Alerts.ApplyAsync(start, Now, CancellationToken.None);

        var result = await Alerts.ApplyAsync(Samples.Next(start, AlertState.End, 1, 4), Now.AddMinutes(1), CancellationToken.None);

        Assert.Equal(AlertApplyOutcome.Applied, result.Outcome);
        Assert.Equal((AlertState.End, 1), (result.Alert!.State, result.Alert.Sequence));
    }
}
