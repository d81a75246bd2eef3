using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;
using static Vsa.Edge.Agent.Core.Tests.Rules.RuleHarness;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

public sealed class IntrusionRuleTests
{
    [Fact]
    public void Evaluate_InsideFor1_9Seconds_NoAlert()
    {
        var h = new RuleHarness();

        h.Run(0, 2.0, 0.1, _ => [TestData.Track(7, Inside)]); // frames at 0.0 … 1.9
        h.Frame(2.0, TestData.Track(7, Outside));

        Assert.Empty(h.Alerts);
    }

    [Fact]
    public void Evaluate_InsideFor2_1Seconds_StartsOneAlertWithDuration()
    {
        var h = new RuleHarness();

        h.Run(0, 2.2, 0.1, _ => [TestData.Track(7, Inside, score: 0.83f)]); // frames at 0.0 … 2.1

        var start = Assert.Single(h.Alerts);
        Assert.Equal(AlertState.Start, start.State);
        Assert.Equal(EventType.Intrusion, start.EventType);
        Assert.Equal(0, start.Sequence);
        Assert.Equal(TestData.At(0), start.StartedAt); // when the track entered
        Assert.Equal(TestData.At(2.0), start.ObservedAt); // first frame with 2 s of dwell
        Assert.Null(start.EndedAt);
        Assert.Equal("parvis", start.ZoneId);
        Assert.Equal(new Measurement("duration", 2.0, "s"), start.Measurement);
        Assert.Equal(0.83, start.Confidence, 4);
        Assert.Equal(("dev-1", "cam-1"), (start.DeviceId, start.CameraId));
        Assert.Equal(new ModelRef("test-model", "1.2.3"), start.Model);
        Assert.Equal((AlertMessage.SchemaId, AlertMessage.CurrentVersion), (start.Schema, start.SchemaVersion));
        Assert.Equal(7, Guid.Parse(start.AlertId).Version);
        Assert.Equal(7, Guid.Parse(start.MessageId).Version);
        var o = Assert.Single(start.Objects);
        Assert.Equal(("person", 7), (o.Class, o.TrackId));
        Assert.Equal(0.83, o.Score, 4);
        Assert.Equal([0.25, 0.6, 0.1, 0.2], o.Box.Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void Evaluate_SameFrameCountShorterTime_NoAlert()
    {
        // 25 frames: 2.4 s at 10 fps would alert, but at 20 fps they span 1.2 s — time counts, not frames.
        var h = new RuleHarness();

        h.Run(0, 1.25, 0.05, _ => [TestData.Track(7, Inside)]);

        Assert.Empty(h.Alerts);
    }

    [Fact]
    public void Evaluate_TrackLeaves_EndsAfterGraceWithExitTime()
    {
        var h = new RuleHarness();
        h.Run(0, 3.0, 0.1, _ => [TestData.Track(7, Inside)]);

        h.Run(3.0, 3.9, 0.1, _ => [TestData.Track(7, Outside)]); // 0.9 s outside: within the 1 s grace
        Assert.Single(h.Alerts);
        h.Frame(4.0, TestData.Track(7, Outside));

        Assert.Equal(2, h.Alerts.Count);
        var (start, end) = (h.Alerts[0], h.Alerts[1]);
        Assert.Equal(AlertState.End, end.State);
        Assert.Equal(start.AlertId, end.AlertId);
        Assert.NotEqual(start.MessageId, end.MessageId);
        Assert.Equal(1, end.Sequence);
        Assert.Equal(TestData.At(3.0), end.EndedAt); // first frame seen outside
        Assert.Equal(TestData.At(4.0), end.ObservedAt);
        Assert.Equal(start.StartedAt, end.StartedAt);
        Assert.Equal(new Measurement("duration", 3.0, "s"), end.Measurement);
        Assert.Equal(0, h.Engine.OpenAlerts);
    }

    [Fact]
    public void Evaluate_FlickerOnTheEdge_OneAlert()
    {
        var h = new RuleHarness();

        // Feet on the zone's top edge (y 0.5): the box jitters in and out every other frame for 6 s, then leaves.
        h.Run(0, 6, 0.1, t => [TestData.Track(3, TestData.Feet(0.3f, (int)Math.Round(t * 10) % 2 == 0 ? 0.505f : 0.495f))]);
        h.Run(6, 8, 0.1, _ => [TestData.Track(3, Outside)]);

        Assert.Equal([AlertState.Start, AlertState.End], h.Alerts.Select(a => a.State));
        Assert.Equal(TestData.At(2.0), h.Alerts[0].ObservedAt);
    }

    [Fact]
    public void Evaluate_BriefDetectorDropout_DoesNotEndTheAlert()
    {
        var h = new RuleHarness();
        h.Run(0, 3, 0.1, _ => [TestData.Track(7, Inside)]);

        h.Run(3, 3.6, 0.1, _ => []); // missing from the tracker's output for 0.6 s
        h.Run(3.6, 5, 0.1, _ => [TestData.Track(7, Inside)]);

        Assert.Single(h.Alerts);
        Assert.Equal(1, h.Engine.OpenAlerts);
    }

    [Fact]
    public void Evaluate_TrackDroppedByTracker_EndsAfterGrace()
    {
        var h = new RuleHarness();
        h.Run(0, 3, 0.1, _ => [TestData.Track(7, Inside)]);

        h.Run(3, 4.1, 0.1, _ => []);

        Assert.Equal([AlertState.Start, AlertState.End], h.Alerts.Select(a => a.State));
        Assert.Equal(TestData.At(3.0), h.Alerts[1].EndedAt);
    }

    [Fact]
    public void Evaluate_ClassNotInCategories_NeverAlerts()
    {
        var h = new RuleHarness();

        h.Run(0, 10, 0.1, _ => [TestData.Track(4, Inside, classId: TestData.Dog)]);

        Assert.Empty(h.Alerts);
    }

    [Fact]
    public void Evaluate_VehicleCategory_CoversItsLabels()
    {
        var h = new RuleHarness();

        h.Run(0, 2.5, 0.1, _ => [TestData.Track(4, Inside, classId: TestData.Car), TestData.Track(5, Inside, classId: TestData.Bicycle)]);

        Assert.Equal(["bicycle", "car"], h.Alerts.Select(a => a.Objects[0].Class).Order());
    }

    [Theory]
    [InlineData(TrackState.Tentative)]
    [InlineData(TrackState.Lost)]
    public void Evaluate_UnconfirmedTrack_NeverAlerts(TrackState state)
    {
        var h = new RuleHarness();

        h.Run(0, 10, 0.1, _ => [TestData.Track(4, Inside, state: state)]);

        Assert.Empty(h.Alerts);
    }

    [Fact]
    public void Evaluate_TwoTracksInside_OneAlertEach()
    {
        var h = new RuleHarness();

        h.Run(0, 1, 0.1, _ => [TestData.Track(1, Inside)]);
        h.Run(1, 3.5, 0.1, _ => [TestData.Track(1, Inside), TestData.Track(2, TestData.Feet(0.5f, 0.7f))]);

        Assert.Equal([1, 2], h.Alerts.Select(a => a.Objects[0].TrackId));
        Assert.Equal([TestData.At(2.0), TestData.At(3.0)], h.Alerts.Select(a => a.ObservedAt));
        Assert.NotEqual(h.Alerts[0].AlertId, h.Alerts[1].AlertId);
    }

    [Fact]
    public void Evaluate_ReentryDuringCooldown_NoSecondAlertUntilCooldownEnds()
    {
        var h = new RuleHarness(options: new RuleOptions { Cooldown = TimeSpan.FromSeconds(10) });
        h.Run(0, 3, 0.1, _ => [TestData.Track(7, Inside)]);
        h.Run(3, 5, 0.1, _ => [TestData.Track(7, Outside)]); // ends at 4.0 (observed), cooldown until 14.0

        h.Run(5, 14, 0.1, _ => [TestData.Track(7, Inside)]);
        Assert.Equal(2, h.Alerts.Count);

        h.Run(14, 14.2, 0.1, _ => [TestData.Track(7, Inside)]);
        Assert.Equal(3, h.Alerts.Count);
        var again = h.Alerts[2];
        Assert.Equal(AlertState.Start, again.State);
        Assert.NotEqual(h.Alerts[0].AlertId, again.AlertId);
        Assert.Equal(TestData.At(5), again.StartedAt);
    }

    [Fact]
    public void Flush_OpenAlerts_EndsEachOnceAtTheGivenTime()
    {
        var h = new RuleHarness();
        h.Run(0, 3, 0.1, _ => [TestData.Track(1, Inside), TestData.Track(2, Inside)]);
        h.Run(3, 3.5, 0.1, _ => [TestData.Track(3, Inside)]); // 1 and 2 within grace, 3 not yet alerting
        h.Alerts.Clear();

        h.Engine.Flush(TestData.At(3.5), h.Alerts);
        h.Engine.Flush(TestData.At(3.6), h.Alerts);

        Assert.Equal([1, 2], h.Alerts.Select(a => a.Objects[0].TrackId).Order());
        Assert.All(h.Alerts, a => Assert.Equal((AlertState.End, 1, TestData.At(3.5)), (a.State, a.Sequence, a.EndedAt!.Value)));
        Assert.Equal(0, h.Engine.OpenAlerts);
    }

    [Fact]
    public void Evaluate_SteadyStateNothingChanges_AllocatesNothing()
    {
        var h = new RuleHarness();
        Track[] tracks = [TestData.Track(1, Inside), TestData.Track(2, Outside), TestData.Track(3, TestData.Feet(0.2f, 0.9f), classId: TestData.Dog)];
        h.Run(0, 3, 0.1, _ => tracks); // track 1's alert is open from 2.0 s
        Assert.Single(h.Alerts);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var k = 0; k < 100; k++)
        {
            h.Engine.Evaluate(tracks, TestData.At(3 + (k * 0.1)), h.Alerts);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Single(h.Alerts);
    }

    [Fact]
    public void Constructor_CategoryUnknownToModel_ThrowsNamingField()
    {
        var e = Assert.Throws<CameraConfigException>(() => new RuleHarness(categories: ["person", "weapon"]));

        Assert.Contains(e.Errors, m => m.StartsWith("events[0].categories[1]: 'weapon' is not a category of model 'test-model'", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_InvalidCamera_Throws()
    {
        var camera = new CameraConfig("cam-1", null, "x", [], [new EventConfig("intrusion", ["nowhere"], ["person"], 1)]);

        var e = Assert.Throws<CameraConfigException>(() => new RuleEngine(camera, TestData.Manifest(), "dev-1"));

        Assert.Contains("events[0].zones[0]: unknown zone 'nowhere'", e.Errors);
    }

    [Fact]
    public void Evaluate_DisabledEvent_NeverAlerts()
    {
        var camera = new CameraConfig("cam-1", null, "x", [new ZoneConfig("parvis", null, ParvisPolygon)], [new EventConfig("intrusion", ["parvis"], ["person"], 0, Enabled: false)]);
        var engine = new RuleEngine(camera, TestData.Manifest(), "dev-1");
        var output = new List<AlertMessage>();

        engine.Evaluate([TestData.Track(1, Inside)], TestData.At(0), output);
        engine.Evaluate([TestData.Track(1, Inside)], TestData.At(5), output);

        Assert.Empty(output);
    }
}
