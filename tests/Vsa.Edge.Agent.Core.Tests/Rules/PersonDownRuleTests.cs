using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Person down: a sudden drop (or pose turning to lying) then lying evidence held 5 s. Frame 16:9 unless said.</summary>
public sealed class PersonDownRuleTests
{
    private static readonly NormBox Standing = TestData.Base(0.5f, 0.7f, 0.04f, 0.2f);

    private static Scenario Camera(CalibrationConfig? calibration = null) =>
        new(Scenario.Cam([new EventConfig("person_down", MinDurationSeconds: 5)], calibration: calibration));

    /// <summary>Linear change from <paramref name="a"/> (at <paramref name="t0"/>) to <paramref name="b"/> (at <paramref name="t1"/>).</summary>
    private static NormBox Blend(NormBox a, NormBox b, double t, double t0, double t1)
    {
        var k = (float)Math.Clamp((t - t0) / (t1 - t0), 0, 1);
        return new NormBox(a.X + ((b.X - a.X) * k), a.Y + ((b.Y - a.Y) * k), a.Width + ((b.Width - a.Width) * k), a.Height + ((b.Height - a.Height) * k));
    }

    [Fact]
    public void Evaluate_FallsAndStaysDown_AlertsFromTheFall()
    {
        var s = Camera();
        var lying = TestData.Base(0.5f, 0.72f, 0.2f, 0.06f);

        s.Run(0, 12, 0.1, t => [TestData.Track(1, Blend(Standing, lying, t, 3, 3.5))]);

        var start = Assert.Single(s.Alerts);
        Assert.Equal((EventType.PersonDown, (string?)null), (start.EventType, start.ZoneId));
        Assert.Equal(3.3, Scenario.Seconds(start.StartedAt)); // the top had dropped 30 % of the height within 1 s
        Assert.Equal(8.3, Scenario.Seconds(start.ObservedAt)); // lying for 5 s
        Assert.Equal(new Measurement("duration", 5, "s"), start.Measurement);
    }

    [Fact]
    public void Evaluate_SitsDown_NoAlert()
    {
        var s = Camera();
        var seated = TestData.Base(0.5f, 0.7f, 0.06f, 0.13f); // top drops 35 %, box stays narrow

        s.Run(0, 60, 0.1, t => [TestData.Track(1, Blend(Standing, seated, t, 3, 3.5))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_BendsOverForThreeSeconds_NoAlert()
    {
        var s = Camera();
        var bent = TestData.Base(0.5f, 0.7f, 0.07f, 0.12f);

        s.Run(0, 30, 0.1, t => [TestData.Track(1, t < 6.5 ? Blend(Standing, bent, t, 3, 3.5) : Blend(bent, Standing, t, 6.5, 7))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_LyingWhenFirstSeen_NoAlert()
    {
        var s = Camera();

        s.Run(0, 60, 0.1, _ => [TestData.Track(1, TestData.Base(0.5f, 0.72f, 0.2f, 0.06f))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_LiesDownSlowly_NoAlert()
    {
        var s = Camera();
        var lying = TestData.Base(0.5f, 0.72f, 0.2f, 0.06f);

        s.Run(0, 40, 0.1, t => [TestData.Track(1, Blend(Standing, lying, t, 3, 13))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_FallsAndGetsUpWithinTwoSeconds_NoAlert()
    {
        var s = Camera();
        var lying = TestData.Base(0.5f, 0.72f, 0.2f, 0.06f);

        s.Run(0, 20, 0.1, t => [TestData.Track(1, t < 5.5 ? Blend(Standing, lying, t, 3, 3.5) : Blend(lying, Standing, t, 5.5, 6))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_FallsOnCalibratedCamera_AlertsOnGroundFootprint()
    {
        var s = Camera(Scenario.TopDown20m);
        var standing = TestData.Base(0.5f, 0.7f, 0.025f, 0.1f); // 0.5 m × 2 m footprint: narrow
        var lying = TestData.Base(0.5f, 0.71f, 0.09f, 0.025f); // 1.8 m × 0.5 m: wide

        s.Run(0, 12, 0.1, t => [TestData.Track(1, Blend(standing, lying, t, 3, 3.5))]);

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_FallsTowardsTheCameraWithPoseLying_AlertsOnPose()
    {
        var s = Camera();
        var foreshortened = TestData.Base(0.5f, 0.72f, 0.05f, 0.1f); // shorter, never wide: the box alone cannot tell

        s.Observe(0, 12, 0.1, t => new FrameObservation([TestData.Track(1, Blend(Standing, foreshortened, t, 3, 3.5))], default)
        {
            Pose = [new PoseEvidence(1, t < 3.3 ? 0.05f : 0.9f, 0.8f)],
        });

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_SameBoxesWithoutPose_NoAlert()
    {
        var s = Camera();
        var foreshortened = TestData.Base(0.5f, 0.72f, 0.05f, 0.1f);

        s.Run(0, 12, 0.1, t => [TestData.Track(1, Blend(Standing, foreshortened, t, 3, 3.5))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_BendsWithPoseUpright_NoAlert()
    {
        var s = Camera();
        var bent = TestData.Base(0.5f, 0.7f, 0.07f, 0.12f);

        // Bending: torso horizontal over vertical legs scores 0 lying (see PoseScoringTests), held for 20 s.
        s.Observe(0, 25, 0.1, t => new FrameObservation([TestData.Track(1, Blend(Standing, bent, t, 3, 3.5))], default)
        {
            Pose = [new PoseEvidence(1, 0f, 0.9f)],
        });

        Assert.Empty(s.Alerts);
    }

    [Theory]
    [InlineData(16.0 / 9, true)] // 0.1 × 0.09 normalised is 1.98 : 1 in pixels: lying
    [InlineData(9.0 / 16, false)] // on a portrait frame the same box is 0.62 : 1: not lying
    public void Evaluate_LowBoxAfterDrop_FrameAspectDecides(double frameAspect, bool alerts)
    {
        var s = Camera();
        var low = TestData.Base(0.5f, 0.71f, 0.1f, 0.09f);

        s.Observe(0, 12, 0.1, t => new FrameObservation([TestData.Track(1, Blend(Standing, low, t, 3, 3.5))], default) { FrameAspectRatio = frameAspect });

        Assert.Equal(alerts ? 1 : 0, s.Starts.Count);
    }

    [Fact]
    public void Evaluate_PersonWalksOutOfFrameAfterAlert_AlertEnds()
    {
        var s = Camera();
        var lying = TestData.Base(0.5f, 0.72f, 0.2f, 0.06f);
        s.Run(0, 12, 0.1, t => [TestData.Track(1, Blend(Standing, lying, t, 3, 3.5))]);

        s.Run(12, 14, 0.1, _ => []);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
    }
}
