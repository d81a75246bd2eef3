using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Intrusion by tripwire: the feet (bottom-centre) crossing a line in its forbidden direction.</summary>
public sealed class LineCrossingRuleTests
{
    /// <summary>Vertical line x = 0.5 drawn bottom to top, so "left" is the frame's left.</summary>
    private static Scenario Gate(string forbidden = "left_to_right", double x = 0.5, double? cooldown = null) => new(Scenario.Cam(
        [new EventConfig("intrusion", Lines: ["gate"], CooldownSeconds: cooldown)],
        lines: [new LineConfig("gate", null, [[(float)x, 0.9f], [(float)x, 0.1f]], forbidden)]));

    private static NormBox At(double x, double y = 0.6) => TestData.Feet((float)x, (float)y);

    [Fact]
    public void Evaluate_WalksLeftToRight_OneAlertFromWhenTheFeetPassedTheMargin()
    {
        var s = Gate();

        s.Run(0, 4, 0.1, t => [TestData.Track(1, At(0.305 + (0.1 * t)))]); // x > 0.51 from t = 2.1

        var start = Assert.Single(s.Alerts);
        Assert.Equal((AlertState.Start, "gate", EventType.Intrusion), (start.State, start.ZoneId, start.EventType));
        Assert.Equal(2.1, Scenario.Seconds(start.StartedAt));
        Assert.Equal(2.4, Scenario.Seconds(start.ObservedAt)); // held 0.3 s past the margin
        Assert.Equal(new Measurement("duration", 0.3, "s"), start.Measurement);
    }

    [Fact]
    public void Evaluate_WalksRightToLeftAcrossALeftToRightLine_NoAlert()
    {
        var s = Gate();

        s.Run(0, 4, 0.1, t => [TestData.Track(1, At(0.705 - (0.1 * t)))]);

        Assert.Empty(s.Alerts);
    }

    [Theory]
    [InlineData("right_to_left", 0.705, -0.1)]
    [InlineData("both", 0.705, -0.1)]
    [InlineData("both", 0.305, 0.1)]
    public void Evaluate_ForbiddenDirection_Alerts(string forbidden, double from, double speed)
    {
        var s = Gate(forbidden);

        s.Run(0, 4, 0.1, t => [TestData.Track(1, At(from + (speed * t)))]);

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_BoxFlickersOnTheLine_NoAlert()
    {
        var s = Gate();

        // Feet within the ±0.01 band for 10 s: never clearly on the other side.
        s.Run(0, 10, 0.1, t => [TestData.Track(1, At((int)Math.Round(t * 10) % 2 == 0 ? 0.492 : 0.508))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_FlickersAcrossTheLineWhileCrossing_CountsOneCrossing()
    {
        var s = Gate();

        s.Run(0, 2, 0.1, t => [TestData.Track(1, At(0.3 + (0.09 * t)))]);
        // At the line the box jumps from one side to the other every frame for 2 s, beyond the margin both ways.
        s.Run(2, 4, 0.1, t => [TestData.Track(1, At((int)Math.Round(t * 10) % 2 == 0 ? 0.485 : 0.515))]);
        s.Run(4, 7, 0.1, t => [TestData.Track(1, At(0.52 + (0.05 * (t - 4))))]);

        var start = Assert.Single(s.Alerts);
        Assert.Equal(3.9, Scenario.Seconds(start.StartedAt)); // the last jump right (3.9) is the one that stayed
    }

    [Fact]
    public void Evaluate_BackAndForthAcrossTheLine_OneAlertThenCooldown()
    {
        var s = Gate();

        // Crosses left→right (alert), back right→left (the alert ends), left→right again within the 30 s cooldown.
        s.Run(0, 12, 0.1, t => [TestData.Track(1, At((int)(t / 2) % 2 == 0 ? 0.4 : 0.6))]);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
        Assert.Equal(4.0, Scenario.Seconds(s.Alerts[1].EndedAt!.Value)); // back on the left side at 4.0
    }

    [Fact]
    public void Evaluate_LineAtTheFrameEdge_ExitingTrackCountsOnce()
    {
        var s = Gate("right_to_left", x: 0.01);

        // Walking left out of the frame: the box is clipped by the border, its centre never gets past x = 0.01.
        s.Run(0, 2.1, 0.1, t =>
        {
            var x = 0.2 - (0.1 * t);
            var box = NormBox.FromCorners((float)Math.Max(0, x - 0.05), 0.4f, (float)(x + 0.05), 0.6f);
            return [TestData.Track(1, box)];
        });
        s.Run(2.1, 5, 0.1, _ => []);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
        Assert.Equal(1.5, Scenario.Seconds(s.Alerts[0].StartedAt)); // first frame touching the border (x - 0.05 ≤ 0.005)
    }

    [Fact]
    public void Evaluate_LineAtTheFrameEdge_FastExitBeforeTheHoldTimeStillCounts()
    {
        var s = Gate("right_to_left", x: 0.01);

        s.Run(0, 0.6, 0.1, t =>
        {
            var x = 0.2 - (0.3 * t);
            return [TestData.Track(1, NormBox.FromCorners((float)Math.Max(0, x - 0.05), 0.4f, (float)(x + 0.05), 0.6f))];
        });
        s.Run(0.6, 3, 0.1, _ => []); // gone 0.1 s after reaching the border

        var start = Assert.Single(s.Starts);
        Assert.Equal(0.6, Scenario.Seconds(start.ObservedAt));
    }

    [Fact]
    public void Evaluate_WalksRoundTheEndOfTheLine_NoAlert()
    {
        var s = Gate();

        // The line spans y 0.1 … 0.9; the feet pass below its end at y = 0.97, then come back up on the right.
        s.Run(0, 4, 0.1, t => [TestData.Track(1, At(0.3 + (0.1 * t), 0.97))]);
        s.Run(4, 8, 0.1, t => [TestData.Track(1, At(0.7, 0.97 - (0.1 * (t - 4))))]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_TrackGoneAfterCrossing_EndsAfterGrace()
    {
        var s = Gate();
        s.Run(0, 4, 0.1, t => [TestData.Track(1, At(0.305 + (0.1 * t)))]);

        s.Run(4, 5.1, 0.1, _ => []);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
        Assert.Equal(3.9, Scenario.Seconds(s.Alerts[1].EndedAt!.Value));
    }

    [Fact]
    public void Evaluate_ClassNotInCategories_NoAlert()
    {
        var s = Gate();

        s.Run(0, 4, 0.1, t => [TestData.Track(1, At(0.305 + (0.1 * t)), classId: TestData.Dog)]);

        Assert.Empty(s.Alerts);
    }
}
