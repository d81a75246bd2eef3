using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Weapon: knife or baseball bat tracks whose median score over 10 frames is ≥ 0.6 for 1 s (defaults).</summary>
public sealed class WeaponRuleTests
{
    private static Scenario Camera(IReadOnlyList<string>? zones = null) =>
        new(Scenario.Cam([new EventConfig("weapon", zones)], [Scenario.Hall]));

    [Fact]
    public void Evaluate_KnifeHeldTwoSeconds_AlertsWithMedianScore()
    {
        var s = Camera();

        s.Run(0, 2, 0.1, _ => [TestData.Track(3, TestData.Feet(0.5f, 0.5f), classId: TestData.Knife, score: 0.8f)]);

        var start = Assert.Single(s.Alerts);
        Assert.Equal((EventType.Weapon, (string?)null), (start.EventType, start.ZoneId));
        Assert.Equal(1.0, Scenario.Seconds(start.ObservedAt));
        Assert.Equal(new Measurement("median_score", 0.8, "score"), start.Measurement);
        Assert.Equal("knife", start.Objects[0].Class);
    }

    [Fact]
    public void Evaluate_BaseballBat_Alerts()
    {
        var s = Camera();

        s.Run(0, 2, 0.1, _ => [TestData.Track(3, TestData.Feet(0.5f, 0.5f), classId: TestData.Bat, score: 0.7f)]);

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_KnifeSeenHalfASecond_NoAlert()
    {
        var s = Camera();

        s.Run(0, 0.5, 0.1, _ => [TestData.Track(3, TestData.Feet(0.5f, 0.5f), classId: TestData.Knife, score: 0.9f)]);
        s.Run(0.5, 5, 0.1, _ => []);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_OccasionalHighScoreFrames_NoAlert()
    {
        var s = Camera();

        // One frame in four scores 0.95 (a reflection), the rest 0.3: the median stays low.
        s.Run(0, 30, 0.1, t => [TestData.Track(3, TestData.Feet(0.5f, 0.5f), classId: TestData.Knife, score: (int)Math.Round(t * 10) % 4 == 0 ? 0.95f : 0.3f)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_ScoreJustUnderMinimum_NoAlert()
    {
        var s = Camera();

        s.Run(0, 30, 0.1, _ => [TestData.Track(3, TestData.Feet(0.5f, 0.5f), classId: TestData.Knife, score: 0.55f)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_KnifeOutsideTheListedZone_NoAlert()
    {
        var s = Camera(["hall"]);

        s.Run(0, 10, 0.1, _ => [TestData.Track(3, TestData.Feet(0.1f, 0.9f), classId: TestData.Knife, score: 0.9f)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_PersonsAndBags_NeverWeapons()
    {
        var s = Camera();

        s.Run(0, 10, 0.1, _ => [TestData.Track(1, TestData.Feet(0.5f, 0.5f), score: 0.99f), TestData.Track(2, TestData.Feet(0.3f, 0.5f), classId: TestData.Backpack, score: 0.99f)]);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_KnifeDisappears_AlertEndsWhenLastSeen()
    {
        var s = Camera();
        s.Run(0, 2, 0.1, _ => [TestData.Track(3, TestData.Feet(0.5f, 0.5f), classId: TestData.Knife, score: 0.8f)]);

        s.Run(2, 3.5, 0.1, _ => []);

        Assert.Equal([AlertState.Start, AlertState.End], s.Alerts.Select(a => a.State));
        Assert.Equal(1.9, Scenario.Seconds(s.Alerts[1].EndedAt!.Value));
    }

    [Fact]
    public void Constructor_ModelWithoutWeaponCategory_ErrorNamesTheField()
    {
        var e = Assert.Throws<CameraConfigException>(() => new Scenario(Scenario.Cam([new EventConfig("weapon")]), TestData.Manifest()));

        Assert.Contains(e.Errors, m => m.StartsWith("events[0].categories (default): 'weapon' is not a category of model 'test-model'", StringComparison.Ordinal));
    }
}
