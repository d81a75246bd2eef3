using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>Drives a <see cref="RuleEngine"/> for any camera, frame by frame, with hand-made tracks and evidence.</summary>
internal sealed class Scenario
{
    /// <summary>Image → ground: the frame is a 20 m × 20 m square seen from straight above (1 frame unit = 20 m, y up on the ground).</summary>
    public static readonly CalibrationConfig TopDown20m = new(
    [
        new([0, 1], [0, 0]),
        new([1, 1], [20, 0]),
        new([1, 0], [20, 20]),
        new([0, 0], [0, 20]),
    ]);

    /// <summary>A 10 m × 10 m square zone under <see cref="TopDown20m"/>: x and y from 0.25 to 0.75.</summary>
    public static readonly ZoneConfig Hall = new("hall", "Hall", [[0.25f, 0.25f], [0.75f, 0.25f], [0.75f, 0.75f], [0.25f, 0.75f]]);

    public Scenario(CameraConfig camera, ModelManifest? manifest = null, RuleOptions? options = null)
    {
        Config = camera;
        Engine = new RuleEngine(camera, manifest ?? TestData.FullManifest(), "dev-1", options ?? new RuleOptions());
    }

    public CameraConfig Config { get; }

    public RuleEngine Engine { get; }

    public List<AlertMessage> Alerts { get; } = [];

    public IReadOnlyList<AlertMessage> Starts => [.. Alerts.Where(a => a.State == AlertState.Start)];

    /// <summary>A camera with the given events, zones, lines and calibration.</summary>
    public static CameraConfig Cam(
        IReadOnlyList<EventConfig> events,
        IReadOnlyList<ZoneConfig>? zones = null,
        IReadOnlyList<LineConfig>? lines = null,
        CalibrationConfig? calibration = null,
        string? timeZone = null) =>
        new("cam-1", null, "/data/clip.avi", zones ?? [], events, lines, null, calibration, timeZone);

    /// <summary>One frame per <paramref name="interval"/> in [from, to): tracks from <paramref name="frame"/>.</summary>
    public void Run(double from, double to, double interval, Func<double, Track[]> frame) =>
        Observe(from, to, interval, t => new FrameObservation(frame(t), TestData.At(t)));

    /// <summary>One frame per <paramref name="interval"/> in [from, to): observation from <paramref name="frame"/> (its timestamp is set here).</summary>
    public void Observe(double from, double to, double interval, Func<double, FrameObservation> frame)
    {
        var steps = (int)Math.Round((to - from) / interval);
        for (var k = 0; k < steps; k++)
        {
            var t = from + (k * interval);
            Engine.Evaluate(frame(t) with { Timestamp = TestData.At(t) }, Alerts);
        }
    }

    public void Frame(double t, params Track[] tracks) => Engine.Evaluate(tracks, TestData.At(t), Alerts);

    /// <summary>Seconds from T0 of a timestamp, rounded to the frame grid's precision.</summary>
    public static double Seconds(DateTimeOffset at) => Math.Round((at - TestData.T0).TotalSeconds, 3);
}
