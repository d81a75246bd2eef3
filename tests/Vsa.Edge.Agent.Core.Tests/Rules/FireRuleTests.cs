using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Fire from the host's pixel candidates (the model has no fire class), 5 s minimum, at 10 fps.</summary>
public sealed class FireRuleTests
{
    private static Scenario Camera(ModelManifest? manifest = null) => new(Scenario.Cam([new EventConfig("fire", MinDurationSeconds: 5)]), manifest);

    /// <summary>A square candidate of the given area centred at (0.5, 0.6).</summary>
    private static NormBox Square(double area)
    {
        var side = (float)Math.Sqrt(area);
        return new NormBox(0.5f - (side / 2), 0.6f - (side / 2), side, side);
    }

    private static FrameObservation Candidates(params FireCandidate[] candidates) => new([], default) { FireCandidates = candidates };

    [Fact]
    public void Evaluate_GrowingFire_AlertsWithGrowthRate()
    {
        var s = Camera();
        var random = new Random(1);

        // Area +10 %/s, flicker varying, fire-coloured.
        s.Observe(0, 8, 0.1, t => Candidates(new FireCandidate(1, Square(0.002 * Math.Exp(0.1 * t)), 0.1, 0.2 + (0.3 * random.NextDouble()), 0.8, default)));

        var start = Assert.Single(s.Alerts);
        Assert.Equal(EventType.Fire, start.EventType);
        Assert.Equal(5.0, Scenario.Seconds(start.ObservedAt));
        Assert.Equal(new Measurement("growth_rate", 0.1, "1/s"), start.Measurement);
        Assert.Equal("fire_candidate", start.Objects[0].Class);
    }

    [Fact]
    public void Evaluate_FlickeringIrregularFlames_Alerts()
    {
        var s = Camera();
        var random = new Random(2);

        s.Observe(0, 8, 0.1, _ => Candidates(new FireCandidate(1, Square(0.002 * (0.9 + (0.2 * random.NextDouble()))), 0, 0.6, 0.8, default)));

        Assert.Single(s.Starts);
    }

    [Fact]
    public void Evaluate_SteadyLamp_NoAlert()
    {
        var s = Camera();

        s.Observe(0, 120, 0.1, _ => Candidates(new FireCandidate(1, Square(0.002), 0, 0.05, 0.9, default)));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_BlinkingLightGoneWhenOff_NoAlert()
    {
        var s = Camera();

        // 1 Hz: on 0.5 s, off 0.5 s; while on it flickers strongly (switching edges).
        s.Observe(0, 120, 0.1, t => (int)(t * 2) % 2 == 0 ? Candidates(new FireCandidate(1, Square(0.002), 0.5, 0.9, 0.9, default)) : Candidates());

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_BlinkingLightKeptByTheDetector_PeriodicAreaNoAlert()
    {
        var s = Camera();

        // A beacon the detector keeps while dim: area alternates every 0.2 s, flicker high, growth ± alternating.
        s.Observe(0, 120, 0.1, t =>
        {
            var on = (int)Math.Round(t * 10) / 2 % 2 == 0;
            return Candidates(new FireCandidate(1, Square(on ? 0.002 : 0.001), on ? 2 : -2, 0.9, 0.9, default));
        });

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_FlickerWithAConstantBox_NoAlert()
    {
        var s = Camera();

        // A screen or a strobe: strong flicker energy, but the region's shape never changes.
        s.Observe(0, 120, 0.1, _ => Candidates(new FireCandidate(1, Square(0.002), 0, 0.9, 0.8, default)));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_IrregularFlickerButNotFireColoured_NoAlert()
    {
        var s = Camera();
        var random = new Random(2);

        s.Observe(0, 60, 0.1, _ => Candidates(new FireCandidate(1, Square(0.002 * (0.9 + (0.2 * random.NextDouble()))), 0, 0.6, 0.2, default)));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_GrowsForThreeSecondsThenGone_NoAlert()
    {
        var s = Camera();

        s.Observe(0, 3, 0.1, t => Candidates(new FireCandidate(1, Square(0.002 * Math.Exp(0.1 * t)), 0.1, 0.4, 0.8, default)));
        s.Observe(3, 20, 0.1, _ => Candidates());

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_ReportedGrowthButAreaFlat_NoAlert()
    {
        var s = Camera();

        // The detector claims growth yet the box does not grow, and nothing flickers: not consistent.
        s.Observe(0, 60, 0.1, _ => Candidates(new FireCandidate(1, Square(0.002), 0.2, 0.1, 0.8, default)));

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Evaluate_ModelWithFireClass_AlertsOnSustainedDetections()
    {
        var s = Camera(TestData.FullManifest(fire: true));

        s.Run(0, 6, 0.1, _ => [TestData.Track(4, TestData.Feet(0.5f, 0.5f), classId: TestData.Smoke, score: 0.7f)]);

        var start = Assert.Single(s.Alerts);
        Assert.Equal(("smoke", 5.0), (start.Objects[0].Class, Scenario.Seconds(start.ObservedAt)));
        Assert.Equal(RuleInputs.None, s.Engine.Inputs & RuleInputs.FireCandidates);
    }

    [Fact]
    public void Evaluate_ModelWithFireClassBriefDetection_NoAlert()
    {
        var s = Camera(TestData.FullManifest(fire: true));

        s.Run(0, 3, 0.1, _ => [TestData.Track(4, TestData.Feet(0.5f, 0.5f), classId: TestData.Fire, score: 0.9f)]);
        s.Run(3, 20, 0.1, _ => []);

        Assert.Empty(s.Alerts);
    }

    [Fact]
    public void Constructor_ModelWithoutFireClass_AsksForCandidates()
    {
        Assert.True(Camera().Engine.Inputs.HasFlag(RuleInputs.FireCandidates));
    }

    [Theory]
    [InlineData(true, 0.85, 1.0)] // biased estimate: (n − lag) / n of a perfect repeat
    [InlineData(false, 0.0, 0.4)]
    public void Periodicity_SquareWaveVersusNoise_TellsThemApart(bool periodic, double min, double max)
    {
        var random = new Random(5);
        var series = Enumerable.Range(0, 60).Select(i => periodic ? ((i / 3) % 2 == 0 ? 1.0 : 0.0) : random.NextDouble()).ToArray();

        Assert.InRange(FireCandidateRule.Periodicity(series), min, max);
    }
}
