using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>
/// Abandoned object on a calibrated camera (1 frame unit = 20 m): radius 3 m (0.15), unattended 10 s. Analysis starts
/// at t = 0 with an empty frame; what is seen in the first 5 s was there before.
/// </summary>
public sealed class AbandonedObjectRuleTests
{
    private static readonly NormBox Bag = TestData.Base(0.515f, 0.7f, 0.03f, 0.03f);

    private static Scenario Calibrated() => new(Scenario.Cam([new EventConfig("abandoned_object", MinDurationSeconds: 10)], calibration: Scenario.TopDown20m));

    private static Track Person(int id, double x, double y = 0.7, TrackState state = TrackState.Confirmed) =>
        TestData.Track(id, TestData.Base((float)x, (float)y, 0.04f, 0.2f), state: state);

    private static Track Suitcase(int id, NormBox? box = null) => TestData.Track(id, box ?? Bag, classId: TestData.Suitcase, score: 0.7f);

    /// <summary>Person 1 brings the suitcase (track 2) at t = 8, stays until 10, then walks right at 2 m/s.</summary>
    private static Track[] LeftBehind(double t)
    {
        if (t < 6)
        {
            return [];
        }

        if (t < 8)
        {
            return [Person(1, 0.3 + (0.1 * (t - 6)))];
        }

        var x = t < 10 ? 0.5 : 0.5 + (0.1 * (t - 10));
        return x <= 1 ? [Person(1, x), Suitcase(2)] : [Suitcase(2)];
    }

    [Fact]
    public void Evaluate_OwnerWalksAwayAndLeavesTheBag_AlertsOnce()
    {
        var s = Calibrated();

        s.Run(0, 30, 0.1, LeftBehind);

        var start = Assert.Single(s.Alerts);
        Assert.Equal(EventType.AbandonedObject, start.EventType);
        Assert.Equal(11.7, Scenario.Seconds(start.StartedAt)); // the owner got beyond 3 m
        Assert.Equal(21.7, Scenario.Seconds(start.ObservedAt));
        Assert.Equal(new Measurement("duration", 10, "s"), start.Measurement);
        var o = Assert.Single(start.Objects);
        Assert.Equal(("suitcase", 2), (o.Class, o.TrackId));
    }

    [Fact]
    public void Evaluate_SeatedPersonForTwoMinutes_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 130, 0.1, t => t < 6 ? [] : [TestData.Track(1, TestData.Base(0.5f, 0.7f, 0.06f, 0.13f))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_LyingPersonForTwoMinutes_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 130, 0.1, t => t < 6 ? [] : [TestData.Track(1, TestData.Base(0.5f, 0.72f, 0.2f, 0.06f))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_BagNextToASeatedPerson_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 130, 0.1, t => t < 6 ? [] : [TestData.Track(1, TestData.Base(0.56f, 0.7f, 0.06f, 0.13f)), Suitcase(2)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_SeatedPersonSeenAsStaticRegion_NoAlert()
    {
        var s = Calibrated();
        var seated = TestData.Base(0.5f, 0.7f, 0.06f, 0.13f);

        s.Observe(0, 130, 0.1, t => new FrameObservation(t < 6 ? [] : [TestData.Track(1, seated)], default)
        {
            StaticRegions = t < 8 ? [] : [new StaticRegion(1, seated, TestData.At(8))],
        });

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_ObjectThereSinceAnalysisStarted_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 130, 0.1, _ => [Suitcase(2)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_ObjectThereSinceStartRedetectedUnderANewId_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 40, 0.1, _ => [Suitcase(2)]);
        s.Run(40, 60, 0.1, _ => []); // hidden 20 s
        s.Run(60, 130, 0.1, _ => [Suitcase(9)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_ParkedCarAndItsStaticRegion_NoAlert()
    {
        var s = Calibrated();
        var car = TestData.Base(0.5f, 0.7f, 0.2f, 0.1f);

        s.Observe(0, 130, 0.1, t => new FrameObservation(t < 6 ? [] : [TestData.Track(3, car, classId: TestData.Car)], default)
        {
            StaticRegions = t < 10 ? [] : [new StaticRegion(5, car with { Width = 0.15f, X = car.X + 0.02f }, TestData.At(10))],
        });

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_OwnerStaysTwoMetresAway_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 130, 0.1, t => t < 6 ? [] : [Person(1, 0.615), Suitcase(2)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_OwnerHiddenButStillPredictedNextToIt_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 10, 0.1, t => t < 6 ? [] : [Person(1, 0.55), Suitcase(2)]);
        s.Run(10, 40, 0.1, _ => [Person(1, 0.55, state: TrackState.Lost), Suitcase(2)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_AfterTheAlertEnds_SameObjectUnderANewIdDoesNotAlertAgain()
    {
        var s = Calibrated();
        s.Run(0, 25, 0.1, LeftBehind);

        s.Run(25, 35, 0.1, _ => []); // hidden: the alert ends
        s.Run(35, 80, 0.1, _ => [Suitcase(7)]);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
    }

    [Fact]
    public void Evaluate_DetectionFlickers_StillOneAlert()
    {
        var s = Calibrated();

        // The suitcase is missed one frame in three and comes back under a new track id every time.
        s.Run(0, 30, 0.1, t =>
        {
            var frame = LeftBehind(t);
            var k = (int)Math.Round(t * 10);
            return [.. frame.Where(x => x.ClassId != TestData.Suitcase), .. frame.Where(x => x.ClassId == TestData.Suitcase && k % 3 != 0).Select(x => Suitcase(100 + (k / 3)))];
        });

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_OwnerComesBackAndTakesIt_AlertEnds()
    {
        var s = Calibrated();
        s.Run(0, 25, 0.1, LeftBehind);

        s.Run(25, 30, 0.1, t => [Person(1, 0.5), Suitcase(2, Bag with { X = Bag.X - (float)(0.1 * (t - 25)) })]);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
    }

    [Fact]
    public void Evaluate_UnknownObjectAsStaticRegion_Alerts()
    {
        var s = Calibrated();

        s.Observe(0, 25, 0.1, t => new FrameObservation([], default)
        {
            StaticRegions = t < 10 ? [] : [new StaticRegion(4, Bag, TestData.At(10))],
        });

        var start = Assert.Single(s.Alerts);
        Assert.Equal(("object", (int?)null), (start.Objects[0].Class, start.Objects[0].TrackId));
        Assert.Equal(20, Scenario.Seconds(start.ObservedAt));
    }

    [Fact]
    public void Evaluate_DroppedWithNobodyAround_Alerts()
    {
        var s = Calibrated();

        s.Run(0, 25, 0.1, t => t < 8 ? [] : [Suitcase(2)]);

        Assert.Equal(18, Scenario.Seconds(Assert.Single(s.Alerts).ObservedAt));
    }

    [Fact]
    public void Evaluate_Uncalibrated_UsesFrameRadius()
    {
        var s = new Scenario(Scenario.Cam([new EventConfig("abandoned_object", MinDurationSeconds: 10)]));

        // radiusFrame 0.1: a person 0.08 away attends it, then moves to 0.2 away.
        s.Run(0, 40, 0.1, t => t < 6 ? [] : [Person(1, t < 15 ? 0.595 : 0.715), Suitcase(2)]);

        Assert.Equal(25, Scenario.Seconds(Assert.Single(s.Alerts).ObservedAt));
    }
}
