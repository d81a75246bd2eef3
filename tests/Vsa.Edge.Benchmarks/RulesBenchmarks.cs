using BenchmarkDotNet.Attributes;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Benchmarks;

/// <summary>
/// Per-frame cost of <see cref="RuleEngine.Evaluate(in FrameObservation, List{AlertMessage})"/> with 50 confirmed
/// tracks (45 persons walking, 5 carried bags), pose evidence for every person and one fire candidate, on a
/// calibrated camera with all eight events enabled; intrusion alone as the baseline. The scene stays quiet (no alert
/// starts or ends), which is the steady state the agent spends its time in.
/// </summary>
[MemoryDiagnoser]
public class RulesBenchmarks
{
    private const int Frames = 100;
    private const int TrackCount = 50;

    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<AlertMessage> _output = new(64);
    private RuleEngine _allEight = null!;
    private RuleEngine _intrusionOnly = null!;
    private Track[] _tracks = null!;
    private PoseEvidence[] _pose = null!;
    private FireCandidate[] _fire = null!;
    private int _frame;

    [GlobalSetup]
    public void Setup()
    {
        var manifest = ModelManifestLoader.Parse(File.ReadAllText(Vsa.Edge.Testing.TestAssets.NanoDetManifest), "nanodet manifest");
        _allEight = new RuleEngine(Camera(allEight: true), manifest, "bench");
        _intrusionOnly = new RuleEngine(Camera(allEight: false), manifest, "bench");
        var person = IndexOf(manifest.Labels, "person");
        var backpack = IndexOf(manifest.Labels, "backpack");
        _tracks = new Track[TrackCount];
        var pose = new List<PoseEvidence>();
        for (var i = 0; i < TrackCount; i++)
        {
            var bag = i % 10 == 9;
            _tracks[i] = NewTrack(i + 1, bag ? backpack : person);
            if (!bag)
            {
                pose.Add(new PoseEvidence(i + 1, 0.05f, 0.9f));
            }
        }

        _pose = [.. pose];
        _fire = [new FireCandidate(1, new NormBox(0.9f, 0.05f, 0.03f, 0.03f), 0, 0.05, 0.9, default)];
        for (var k = 0; k < 200; k++)
        {
            Step(_allEight);
            Step(_intrusionOnly);
        }

        if (_output.Count > 0)
        {
            throw new InvalidOperationException($"the benchmark scene should be quiet, it raised {_output.Count} alert messages");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames, Description = "intrusion only, 50 tracks")]
    public void IntrusionOnly()
    {
        for (var i = 0; i < Frames; i++)
        {
            Step(_intrusionOnly);
        }
    }

    [Benchmark(OperationsPerInvoke = Frames, Description = "all eight events, 50 tracks, calibrated")]
    public void AllEightEvents()
    {
        for (var i = 0; i < Frames; i++)
        {
            Step(_allEight);
        }
    }

    private void Step(RuleEngine engine)
    {
        var t = _frame++ * 0.1;
        for (var i = 0; i < _tracks.Length; i++)
        {
            // Persons walk across at 1 m/s (1 frame unit = 20 m), each wrapping round at its own time; bags ride at their walker's feet.
            var walker = i % 10 == 9 ? i - 1 : i;
            var x = 0.03f + (float)(((walker * 0.37) + (t * 0.05)) % 0.94);
            var y = 0.35f + (0.6f * walker / _tracks.Length);
            _tracks[i].Box = i == walker ? Base(x, y, 0.03f, 0.15f) : Base(x + 0.005f, y, 0.02f, 0.02f);
        }

        _output.Clear();
        engine.Evaluate(new FrameObservation(_tracks, T0 + TimeSpan.FromSeconds(t)) { Pose = _pose, FireCandidates = _fire, FrameAspectRatio = 16.0 / 9 }, _output);
    }

    private static CameraConfig Camera(bool allEight)
    {
        ZoneConfig hall = new("hall", null, [[0.25f, 0.25f], [0.75f, 0.25f], [0.75f, 0.75f], [0.25f, 0.75f]]);
        ZoneConfig corridor = new("corridor", null, [[0.02f, 0.02f], [0.98f, 0.02f], [0.98f, 0.98f], [0.02f, 0.98f]], new AllowedDirectionConfig([0, -1]));
        ZoneConfig restricted = new("restricted", null, [[0f, 0f], [0.2f, 0f], [0.2f, 0.12f], [0f, 0.12f]]);
        EventConfig intrusion = new("intrusion", ["restricted"], Lines: ["gate"], MinDurationSeconds: 2);
        EventConfig[] events = allEight
            ?
            [
                intrusion,
                new("wrong_way", ["corridor"]),
                new("crowd_density", ["hall"]),
                new("crowd_movement"),
                new("person_down", Schedule: new ScheduleConfig(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ["00:00-24:00"])),
                new("abandoned_object", MinDurationSeconds: 30),
                new("weapon"),
                new("fire"),
            ]
            : [intrusion];
        return new CameraConfig(
            "bench",
            null,
            "bench.avi",
            [hall, corridor, restricted],
            events,
            [new LineConfig("gate", null, [[0.3f, 0.05f], [0.6f, 0.05f]], "both")],
            null,
            new CalibrationConfig([new([0, 1], [0, 0]), new([1, 1], [20, 0]), new([1, 0], [20, 20]), new([0, 0], [0, 20])]),
            "Europe/Paris");
    }

    private static Track NewTrack(int id, int classId) => new()
    {
        Id = id, ClassId = classId, Score = 0.8f, State = TrackState.Confirmed, FirstSeen = T0, LastSeen = T0, Hits = 5,
    };

    private static NormBox Base(float x, float y, float width, float height) => new(x - (width / 2), y - height, width, height);

    private static int IndexOf(IReadOnlyList<string> labels, string label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] == label)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"the manifest has no '{label}' label");
    }
}
