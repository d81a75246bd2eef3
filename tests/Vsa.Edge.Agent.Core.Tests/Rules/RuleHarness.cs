using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Drives a <see cref="RuleEngine"/> frame by frame with hand-made tracks and collects what it emits.</summary>
internal sealed class RuleHarness
{
    /// <summary>The example zone: x 0.1..0.6, y 0.5..0.95.</summary>
    public static readonly IReadOnlyList<IReadOnlyList<float>> ParvisPolygon = [[0.1f, 0.5f], [0.6f, 0.5f], [0.6f, 0.95f], [0.1f, 0.95f]];

    public RuleHarness(double minDurationSeconds = 2, RuleOptions? options = null, IReadOnlyList<string>? categories = null)
    {
        Camera = new CameraConfig(
            "cam-1",
            "Parvis",
            "/data/clip.avi",
            [new ZoneConfig("parvis", "Parvis", ParvisPolygon)],
            [new EventConfig("intrusion", ["parvis"], categories ?? ["person", "vehicle"], minDurationSeconds)]);
        Engine = new RuleEngine(Camera, TestData.Manifest(), "dev-1", options ?? new RuleOptions());
    }

    public CameraConfig Camera { get; }

    public RuleEngine Engine { get; }

    public List<AlertMessage> Alerts { get; } = [];

    public static NormBox Inside => TestData.Feet(0.3f, 0.8f);

    public static NormBox Outside => TestData.Feet(0.8f, 0.8f);

    /// <summary>Evaluates one frame per step of <paramref name="interval"/> seconds in [from, to), each with the tracks <paramref name="frame"/> gives for that time.</summary>
    public void Run(double from, double to, double interval, Func<double, Track[]> frame)
    {
        var steps = (int)Math.Round((to - from) / interval);
        for (var k = 0; k < steps; k++)
        {
            var t = from + (k * interval);
            Engine.Evaluate(frame(t), TestData.At(t), Alerts);
        }
    }

    public void Frame(double t, params Track[] tracks) => Engine.Evaluate(tracks, TestData.At(t), Alerts);
}
