using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>
/// Crowd movement on a calibrated camera (1 frame unit = 20 m), whole frame, defaults: ≥ 6 persons, half of them
/// surging (≥ 2 m/s and 2.5 × their own baseline) or dispersing within 1 s.
/// </summary>
public sealed class CrowdMovementRuleTests
{
    private const double MetresPerSecond = 1 / 20.0;

    private static Scenario Calibrated() => new(Scenario.Cam([new EventConfig("crowd_movement")], calibration: Scenario.TopDown20m));

    /// <summary>Persons on a grid, each walking slowly (0.5 m/s) in its own direction; from <paramref name="surgeAt"/> the first <paramref name="surging"/> run at 4 m/s to the right.</summary>
    private static Track[] Crowd(double t, int count, int surging, double surgeAt = 5)
    {
        var tracks = new Track[count];
        for (var i = 0; i < count; i++)
        {
            var angle = i * 2 * Math.PI / count;
            var slow = Math.Min(t, surgeAt) * 0.5 * MetresPerSecond;
            var x = 0.3 + (0.1 * (i % 5)) + (slow * Math.Cos(angle));
            var y = 0.4 + (0.15 * (i / 5)) + (slow * Math.Sin(angle));
            if (i < surging && t > surgeAt)
            {
                x += (t - surgeAt) * 4 * MetresPerSecond;
            }

            tracks[i] = TestData.Track(i + 1, TestData.Feet((float)x, (float)y));
        }

        return tracks;
    }

    [Fact]
    public void Evaluate_WholeCrowdSurgesTogether_OneAlert()
    {
        var s = Calibrated();

        s.Run(0, 8, 0.1, t => Crowd(t, 10, surging: 10));

        var start = Assert.Single(s.Starts);
        Assert.Equal(EventType.CrowdMovement, start.EventType);
        Assert.InRange(Scenario.Seconds(start.ObservedAt), 5.3, 6.0);
        Assert.Equal("moving_fraction", start.Measurement!.Name);
        Assert.True(start.Measurement.Value >= 0.5);
        Assert.Equal(10, start.Objects.Count);
    }

    [Fact]
    public void Evaluate_OnePersonRuns_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 15, 0.1, t => Crowd(t, 10, surging: 1));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_FourOfTenSurge_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 15, 0.1, t => Crowd(t, 10, surging: 4));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_FourOfTenSurgeWithMinFraction0_4_Alerts()
    {
        // Control for the test above: the same scene alerts once the fraction asked for is met.
        var s = new Scenario(Scenario.Cam(
            [new EventConfig("crowd_movement", Parameters: new Dictionary<string, double> { ["minFraction"] = 0.4 })],
            calibration: Scenario.TopDown20m));

        s.Run(0, 15, 0.1, t => Crowd(t, 10, surging: 4));

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_TooFewPersonsAllSurge_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 15, 0.1, t => Crowd(t, 5, surging: 5));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_CrowdAlreadyRunningOneWay_NoAlert()
    {
        var s = Calibrated();

        // A group jogging past at 3 m/s from the first frame: no surge against their own baseline, no dispersal.
        s.Run(0, 15, 0.1, t => [.. Crowd(0, 10, 0).Select(k => TestData.Track(k.Id, k.Box with { X = k.Box.X + (float)(t * 3 * MetresPerSecond) }))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_ProcessionScattersRadially_AlertsAsDispersal()
    {
        var s = Calibrated();

        // Eight persons in a ring of 2 m walk together at 1.6 m/s, then scatter outwards at 3 m/s: not 2.5 × their
        // baseline, so no surge, but away from the group's centre once its drift is removed.
        s.Run(0, 9, 0.1, t => Ring(t, scatterAt: 5, scatterSpeed: 3));

        Assert.InRange(Scenario.Seconds(Assert.Single(s.Starts).ObservedAt), 5.2, 6.0);
    }

    [Fact]
    public void Evaluate_GatheringBreaksUpAtWalkingPace_NoAlert()
    {
        var s = Calibrated();

        s.Run(0, 12, 0.1, t => Ring(t, scatterAt: 5, scatterSpeed: 1));

        Assert.Empty(s.Alerts);
    }

    private static Track[] Ring(double t, double scatterAt, double scatterSpeed)
    {
        var tracks = new Track[8];
        for (var i = 0; i < tracks.Length; i++)
        {
            var angle = i * 2 * Math.PI / tracks.Length;
            var drift = Math.Min(t, scatterAt) * 1.6 * MetresPerSecond;
            var radius = (2 + (Math.Max(0, t - scatterAt) * scatterSpeed)) * MetresPerSecond;
            var x = 0.3 + drift + (radius * Math.Cos(angle));
            var y = 0.5 + (radius * Math.Sin(angle));
            tracks[i] = TestData.Track(i + 1, TestData.Feet((float)x, (float)y));
        }

        return tracks;
    }
}
