using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Evaluation;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>The evaluation read on both engines.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task EvaluateAsync_DecidedAndPendingAlerts_CountsPrecisionAndMedianPerEventAndCamera()
    {
        // cam-1: two intrusions (confirmed after 10 s, dismissed after 30 s) and a pending fire; cam-2: one intrusion confirmed
        // after 50 s; one intrusion received before the period and one after it, both decided, must not count.
        var a1 = Samples.AlertStart("pole-1");
        var a2 = Samples.AlertStart("pole-1");
        var a3 = Samples.AlertStart("pole-1") with { EventType = EventType.Fire };
        var a4 = Samples.AlertStart("pole-2", cameraId: "cam-2");
        var before = Samples.AlertStart("pole-1");
        var after = Samples.AlertStart("pole-1");
        await Alerts.ApplyAsync(a1, Now, CancellationToken.None);
        await Alerts.ApplyAsync(a2, Now.AddSeconds(1), CancellationToken.None);
        await Alerts.ApplyAsync(a3, Now.AddSeconds(2), CancellationToken.None);
        await Alerts.ApplyAsync(a4, Now.AddSeconds(3), CancellationToken.None);
        await Alerts.ApplyAsync(before, Now.AddHours(-2), CancellationToken.None);
        await Alerts.ApplyAsync(after, Now.AddHours(2), CancellationToken.None);
        await Alerts.DecideAsync(a1.AlertId, AlertDecisionKind.Confirmed, null, null, "bob", Now.AddSeconds(10), CancellationToken.None);
        await Alerts.DecideAsync(a2.AlertId, AlertDecisionKind.Dismissed, "false_detection", null, "bob", Now.AddSeconds(31), CancellationToken.None);
        await Alerts.DecideAsync(a4.AlertId, AlertDecisionKind.Confirmed, null, null, "bob", Now.AddSeconds(53), CancellationToken.None);
        await Alerts.DecideAsync(before.AlertId, AlertDecisionKind.Dismissed, "test", null, "bob", Now, CancellationToken.None);
        await Alerts.DecideAsync(after.AlertId, AlertDecisionKind.Dismissed, "test", null, "bob", Now.AddHours(3), CancellationToken.None);

        var report = await new EvaluationStore(Database).EvaluateAsync(Now.AddHours(-1), Now.AddHours(1), CancellationToken.None);

        Assert.Equal(new EvaluationRow(null, null, null, 4, 2, 1, 1, 2.0 / 3, 30), report.Total);
        Assert.Equal(
            [
                new EvaluationRow(EventType.Intrusion, null, null, 3, 2, 1, 0, 2.0 / 3, 30),
                new EvaluationRow(EventType.Fire, null, null, 1, 0, 0, 1, null, null),
            ],
            report.ByEventType);
        Assert.Equal(
            [
                new EvaluationRow(null, "pole-1", "cam-1", 3, 1, 1, 1, 0.5, 20),
                new EvaluationRow(null, "pole-2", "cam-2", 1, 1, 0, 0, 1, 50),
            ],
            report.ByCamera);
        Assert.Equal(3, report.ByCameraAndEventType.Count);
        Assert.Equal(EvaluationReport.ReceivedAtBasis, report.DecisionTimeBasis);
    }

    [Fact]
    public async Task EvaluateAsync_NoAlerts_ZeroCountsAndNullPrecision()
    {
        var report = await new EvaluationStore(Database).EvaluateAsync(Now.AddDays(-1), Now, CancellationToken.None);

        Assert.Equal(new EvaluationRow(null, null, null, 0, 0, 0, 0, null, null), report.Total);
        Assert.Empty(report.ByEventType);
        Assert.Empty(report.ByCamera);
    }
}
