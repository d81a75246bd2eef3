using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Wrong way: smoothed displacement against a zone's allowed direction (up the frame here).</summary>
public sealed class WrongWayRuleTests
{
    private static readonly ZoneConfig Corridor = new("corridor", null, [[0.05f, 0.05f], [0.95f, 0.05f], [0.95f, 0.95f], [0.05f, 0.95f]], new AllowedDirectionConfig([0, -1]));

    /// <summary>Calibrated top-down: 1 frame unit = 20 m, so 0.07 frame/s = 1.4 m/s (walking).</summary>
    private static Scenario Calibrated(ZoneConfig? zone = null, IReadOnlyList<LineConfig>? lines = null) =>
        new(Scenario.Cam([new EventConfig("wrong_way", [(zone ?? Corridor).Id])], [zone ?? Corridor], lines, Scenario.TopDown20m));

    private static NormBox Feet(double x, double y) => TestData.Feet((float)x, (float)y);

    [Fact]
    public void Evaluate_WalksAgainstTheDirection_AlertsWithSpeedInMetres()
    {
        var s = Calibrated();

        s.Run(0, 5, 0.1, t => [TestData.Track(1, Feet(0.5, 0.2 + (0.07 * t)))]);

        var start = Assert.Single(s.Alerts);
        Assert.Equal(("corridor", EventType.WrongWay), (start.ZoneId, start.EventType));
        Assert.Equal(0.9, Scenario.Seconds(start.StartedAt)); // 2.1 m over the 1.5 s window once 0.9 s of history exist
        Assert.Equal(1.9, Scenario.Seconds(start.ObservedAt)); // + minDurationSeconds (1 s)
        Assert.Equal("m/s", start.Measurement!.Unit);
        Assert.Equal(1.4, start.Measurement.Value, 3);
    }

    [Fact]
    public void Evaluate_WalksTheAllowedWay_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 10, 0.1, t => [TestData.Track(1, Feet(0.5, 0.8 - (0.07 * t)))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_CrossesTheCorridor_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 10, 0.1, t => [TestData.Track(1, Feet(0.2 + (0.07 * t), 0.5))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_StandsStillWithJitteringBox_NoAlert()
    {
        var s = Calibrated();
        var random = new Random(3);

        // ±0.2 m per frame: 2 m/s frame-to-frame "velocities", none of it a displacement.
        s.Run(0, 20, 0.1, _ => [TestData.Track(1, Feet(0.5, 0.5 + ((random.NextDouble() - 0.5) * 0.02)))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_StepsBackBriefly_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 3, 0.1, t => [TestData.Track(1, Feet(0.5, 0.8 - (0.07 * t)))]);
        s.Run(3, 3.5, 0.1, t => [TestData.Track(1, Feet(0.5, 0.59 + (0.07 * (t - 3))))]); // 0.7 m back in 0.5 s
        s.Run(3.5, 8, 0.1, t => [TestData.Track(1, Feet(0.5, 0.625 - (0.07 * (t - 3.5))))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_DriftsAgainstSlowly_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 10, 0.1, t => [TestData.Track(1, Feet(0.5, 0.2 + (0.025 * t)))]); // 0.5 m/s: 0.75 m per window

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_Runs70DegreesOffTheForbiddenDirection_NoAlert()
    {
        var s = Calibrated();
        var (dx, dy) = (Math.Sin(70 * Math.PI / 180) * 0.2, Math.Cos(70 * Math.PI / 180) * 0.2); // 4 m/s

        s.Run(0, 3, 0.1, t => [TestData.Track(1, Feet(0.15 + (dx * t), 0.3 + (dy * t)))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_Walks30DegreesOffTheForbiddenDirection_Alerts()
    {
        var s = Calibrated();
        var (dx, dy) = (Math.Sin(30 * Math.PI / 180) * 0.1, Math.Cos(30 * Math.PI / 180) * 0.1); // 2 m/s

        s.Run(0, 4, 0.1, t => [TestData.Track(1, Feet(0.3 + (dx * t), 0.2 + (dy * t)))]);

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_AgainstOutsideTheZone_NoAlert()
    {
        var zone = Corridor with { Polygon = [[0.05f, 0.05f], [0.4f, 0.05f], [0.4f, 0.95f], [0.05f, 0.95f]] };
        var s = Calibrated(zone);

        s.Run(0, 6, 0.1, t => [TestData.Track(1, Feet(0.7, 0.2 + (0.07 * t)))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_Uncalibrated_AlertsInFrameUnits()
    {
        var s = new Scenario(Scenario.Cam([new EventConfig("wrong_way", ["corridor"])], [Corridor]));

        s.Run(0, 5, 0.1, t => [TestData.Track(1, Feet(0.5, 0.2 + (0.07 * t)))]); // 0.105 frame per window ≥ 0.05

        var start = Assert.Single(s.Alerts);
        Assert.Equal(new Measurement("speed", 0.07, "frame/s"), start.Measurement);
    }

    [Fact]
    public void Evaluate_DirectionFromLinePair_AlertsAgainstIt()
    {
        LineConfig[] lines = [new("foot", null, [[0.05f, 0.9f], [0.95f, 0.9f]]), new("top", null, [[0.05f, 0.1f], [0.95f, 0.1f]])];
        var s = Calibrated(Corridor with { AllowedDirection = new AllowedDirectionConfig(FromLine: "foot", ToLine: "top") }, lines);

        s.Run(0, 5, 0.1, t => [TestData.Track(1, Feet(0.5, 0.2 + (0.07 * t)))]);

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_TurnsBackToTheAllowedWay_AlertEnds()
    {
        var s = Calibrated();

        s.Run(0, 4, 0.1, t => [TestData.Track(1, Feet(0.5, 0.2 + (0.07 * t)))]);
        s.Run(4, 10, 0.1, t => [TestData.Track(1, Feet(0.5, 0.48 - (0.07 * (t - 4))))]);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
    }

    [Fact]
    public void Evaluate_VehicleAgainst_AlertsByDefaultCategories()
    {
        var s = Calibrated();

        s.Run(0, 5, 0.1, t => [TestData.Track(1, Feet(0.5, 0.2 + (0.1 * t)), classId: TestData.Car)]);

        Assert.Equal("car", Assert.Single(s.Starts).Objects[0].Class);
    }
}
