using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>Alert messages for outbox and publisher tests: fresh ids each time, like the rules emit them.</summary>
internal static class TestAlerts
{
    public static AlertMessage Start(string deviceId, DateTimeOffset? at = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        return new AlertMessage(
            AlertMessage.SchemaId,
            AlertMessage.CurrentVersion,
            Guid.CreateVersion7().ToString(),
            Guid.CreateVersion7().ToString(),
            0,
            deviceId,
            "cam-1",
            EventType.Intrusion,
            AlertState.Start,
            now.AddSeconds(-2),
            now,
            null,
            "square",
            0.8,
            new Measurement("duration", 2, "s"),
            [new AlertObject("person", 0.8, [0.1, 0.2, 0.05, 0.2], 3)],
            new ModelRef("nanodet-coco", "test"));
    }

    // Every alert has its start (sequence 0), then consecutive sequences, and exactly one end: nothing is missing.
    public static void AssertCompleteLifecycles(IReadOnlyList<AlertMessage> alerts)
    {
        Assert.NotEmpty(alerts);
        foreach (var alert in alerts.GroupBy(a => a.AlertId))
        {
            var sequences = alert.Select(a => a.Sequence).Order().ToList();
            Assert.Equal(Enumerable.Range(0, sequences.Count), sequences);
            Assert.Single(alert, a => a.State == AlertState.End);
        }
    }
}
