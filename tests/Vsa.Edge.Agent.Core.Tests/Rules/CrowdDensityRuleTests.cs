using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Crowd density in a 5 m × 4 m zone (20 m²): threshold 0.25 persons/m² = 5 persons, held 2 s.</summary>
public sealed class CrowdDensityRuleTests
{
    private static readonly ZoneConfig Plaza = new("plaza", null, [[0.3f, 0.3f], [0.55f, 0.3f], [0.55f, 0.5f], [0.3f, 0.5f]]);

    private static Scenario Calibrated(double maxDensity = 0.25) => new(Scenario.Cam(
        [new EventConfig("crowd_density", ["plaza"], MinDurationSeconds: 2, Parameters: new Dictionary<string, double> { ["maxDensity"] = maxDensity })],
        [Plaza],
        calibration: Scenario.TopDown20m));

    /// <summary><paramref name="n"/> persons standing in the hall (ids from <paramref name="firstId"/>), plus <paramref name="outside"/> outside it.</summary>
    private static Track[] People(int n, int outside = 0, int firstId = 1)
    {
        var tracks = new List<Track>();
        for (var i = 0; i < n; i++)
        {
            tracks.Add(TestData.Track(firstId + i, TestData.Feet(0.32f + (0.045f * (i % 5)), 0.38f + (0.05f * (i / 5)))));
        }

        for (var i = 0; i < outside; i++)
        {
            tracks.Add(TestData.Track(100 + i, TestData.Feet(0.1f, 0.2f + (0.05f * i))));
        }

        return [.. tracks];
    }

    [Fact]
    public void Evaluate_DensityHeld1_9Seconds_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 2.0, 0.1, _ => People(5)); // frames 0.0 … 1.9
        s.Run(2.0, 5, 0.1, _ => People(4));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_DensityHeld2_1Seconds_StartsWithDensityInPersonsPerSquareMetre()
    {
        var s = Calibrated();

        s.Run(0, 2.2, 0.1, _ => People(5)); // frames 0.0 … 2.1

        var start = Assert.Single(s.Alerts);
        Assert.Equal((AlertState.Start, "plaza", EventType.CrowdDensity), (start.State, start.ZoneId, start.EventType));
        Assert.Equal(0, Scenario.Seconds(start.StartedAt));
        Assert.Equal(2.0, Scenario.Seconds(start.ObservedAt));
        Assert.Equal(new Measurement("density", 0.25, "persons/m2"), start.Measurement);
        Assert.Equal(5, start.Objects.Count);
    }

    [Fact]
    public void Evaluate_BelowThresholdWithCrowdOutsideTheZone_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 20, 0.1, _ => People(4, outside: 10));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_CrowdPulsesAroundTheThreshold_NoAlert()
    {
        var s = Calibrated();

        // 1.5 s at the threshold, 1.5 s under it (longer than the 1 s grace), over and over: never 2 s in a row.
        s.Run(0, 60, 0.1, t => People(t % 3 < 1.5 ? 5 : 4));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_OnePersonMissedForAFrame_TimerKeepsRunning()
    {
        var s = Calibrated();

        s.Run(0, 2.2, 0.1, t => People(Math.Abs(t - 1.0) < 0.01 ? 4 : 5));

        Assert.Equal(2.0, Scenario.Seconds(Assert.Single(s.Alerts).ObservedAt));
    }

    [Fact]
    public void Evaluate_CrowdThins_EndsAfterGraceAtTheTimeItDropped()
    {
        var s = Calibrated();
        s.Run(0, 3, 0.1, _ => People(5));

        s.Run(3, 4.1, 0.1, _ => People(2));

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
        Assert.Equal(3.0, Scenario.Seconds(s.Alerts[1].EndedAt!.Value));
    }

    [Fact]
    public void Evaluate_DensityRisesByAQuarter_SendsAnUpdate()
    {
        var s = Calibrated();
        s.Run(0, 6, 0.1, _ => People(5));

        s.Run(6, 8, 0.1, _ => People(7));

        Assert.Equal([AlertState.Start, AlertState.Update], s.Alerts.Select(a => a.State));
        Assert.Equal(new Measurement("density", 0.35, "persons/m2"), s.Alerts[1].Measurement);
        Assert.Equal(s.Alerts[0].AlertId, s.Alerts[1].AlertId);
    }

    [Fact]
    public void Evaluate_Uncalibrated_CountsPersonsAndSaysSo()
    {
        var s = new Scenario(Scenario.Cam(
            [new EventConfig("crowd_density", ["hall"], MinDurationSeconds: 2, Parameters: new Dictionary<string, double> { ["maxCount"] = 12 })],
            [Scenario.Hall]));

        s.Run(0, 3.2, 0.1, t => People(t < 0.95 ? 11 : 12));

        var start = Assert.Single(s.Alerts);
        Assert.Equal(new Measurement("count", 12, "persons"), start.Measurement);
        Assert.Equal((1.0, 3.0), (Scenario.Seconds(start.StartedAt), Scenario.Seconds(start.ObservedAt)));
    }

    [Fact]
    public void Evaluate_VehiclesMakeTheCountButAreNotPersons_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 10, 0.1, _ => [.. People(3), .. People(5, firstId: 50).Select(t => TestData.Track(t.Id, t.Box, classId: TestData.Car))]);

        Assert.Empty(s.Alerts);
    }
}
