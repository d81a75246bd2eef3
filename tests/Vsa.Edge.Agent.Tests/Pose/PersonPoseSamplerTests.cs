using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.Agent.Tests.Support;

namespace Vsa.Edge.Agent.Tests.Pose;

/// <summary>Which person tracks get a pose pass, how often, and what the rules receive between passes.</summary>
public sealed class PersonPoseSamplerTests(PoseModelFixture pose) : IClassFixture<PoseModelFixture>, IDisposable
{
    private const int Person = 0;
    private const int Car = 2;
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly Mat _frame = DemoClip.ReadFrame(100);
    private readonly ByteTracker _tracker = new(new TrackerOptions());
    private readonly PoseEstimator _estimator = pose.Model.CreateEstimator();

    public void Dispose()
    {
        _frame.Dispose();
        _estimator.Dispose();
    }

    [Fact]
    public void Collect_UprightWalkers_RunsNoPose()
    {
        var sampler = Sampler();

        // Two people 0.05 × 0.25 of a 4:3 frame (aspect 0.27), walking.
        for (var i = 0; i < 20; i++)
        {
            var evidence = Step(sampler, i, [Box(0.2f + (i * 0.005f), 0.3f, 0.05f, 0.25f), Box(0.6f - (i * 0.005f), 0.4f, 0.05f, 0.25f)]);
            Assert.Empty(evidence);
        }

        Assert.Equal(0, sampler.Runs);
    }

    [Fact]
    public void Collect_WideBoxFor1Point2Seconds_RunsEveryHalfSecondAndRepeatsItsEvidenceBetween()
    {
        var sampler = Sampler();
        var counts = new List<int>();

        // Someone on the ground: 0.15 × 0.08 (aspect 2.5 on a 4:3 frame), 13 frames at 10 fps.
        for (var i = 0; i <= 12; i++)
        {
            counts.Add(Step(sampler, i, [Box(0.4f, 0.6f, 0.15f, 0.08f)]).Count);
        }

        // Frame 0 creates the track, frame 1 confirms it and measures; then again at 0.5 s and 1.0 s after that.
        Assert.Equal(3, sampler.Runs);
        Assert.Equal(0, counts[0]);
        Assert.All(counts.Skip(1), c => Assert.Equal(1, c));
    }

    [Fact]
    public void Collect_BoxLosesAThirdOfItsHeight_MeasuresIt()
    {
        var sampler = Sampler();
        for (var i = 0; i < 10; i++)
        {
            Step(sampler, i, [Box(0.4f, 0.3f, 0.06f, 0.3f)]);
        }

        Assert.Equal(0, sampler.Runs);

        // Sat down or fell: the top came down by a third, the box is still narrower than tall.
        Step(sampler, 10, [Box(0.4f, 0.4f, 0.07f, 0.2f)]);

        Assert.Equal(1, sampler.Runs);
    }

    [Fact]
    public void Collect_FiveCandidatesAtOnce_MeasuresAtMostTwoPerFrameOldestFirst()
    {
        var sampler = Sampler();
        NormBox[] lying = [.. Enumerable.Range(0, 5).Select(k => Box(0.05f + (k * 0.18f), 0.7f, 0.15f, 0.08f))];
        var runs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            Step(sampler, i, lying);
            runs.Add(sampler.Runs);
        }

        // Frame 0 creates the tracks; each later frame measures two of the five until all were measured once.
        Assert.Equal([0L, 2L, 4L, 5L, 5L], runs);
    }

    [Fact]
    public void Collect_WideCar_IsNotAPerson()
    {
        var sampler = Sampler();
        for (var i = 0; i < 5; i++)
        {
            Step(sampler, i, [Box(0.4f, 0.6f, 0.2f, 0.1f)], Car);
        }

        Assert.Equal(0, sampler.Runs);
    }

    private PersonPoseSampler Sampler() => new(_estimator, new PoseOptions(), [true, false, false]);

    private IReadOnlyList<Vsa.Edge.Agent.Core.Rules.PoseEvidence> Step(PersonPoseSampler sampler, int frame, NormBox[] boxes, int classId = Person)
    {
        var detections = boxes.Select(b => new Detection(b, classId, 0.9f)).ToList();
        var ids = new int[detections.Count];
        var now = T0 + (frame * Tick);
        var tracks = _tracker.Update(detections, now, ids);
        return sampler.Collect(_frame, tracks, now);
    }

    private static NormBox Box(float x, float y, float w, float h) => new(x, y, w, h);
}
