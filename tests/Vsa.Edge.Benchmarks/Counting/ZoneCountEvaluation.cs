using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Configuration.Geometry;

namespace Vsa.Edge.Benchmarks.Counting;

/// <summary>One way of counting: the score a reported detection needs, the tracker's settings, the occlusion memory.</summary>
public sealed record CountSettings(string Name)
{
    /// <summary>Score from which a raw detection is counted (the pipeline's reported detections). Default 0.5.</summary>
    public float ScoreThreshold { get; init; } = 0.5f;

    /// <summary>Tracker settings (the agent's defaults unless set).</summary>
    public TrackerOptions Tracker { get; init; } = new();

    /// <summary>How long a lost confirmed track still counts (<see cref="PersonCounting"/>). Default 0.</summary>
    public TimeSpan OcclusionMemory { get; init; }
}

/// <summary>Count error over the hand-counted frames: mean absolute error, bias (mean of counted − true), share within ±1.</summary>
public sealed record CountError(double Mae, double Bias, double WithinOne)
{
    public static CountError Of(IReadOnlyList<(int Truth, int Counted)> pairs) => new(
        pairs.Average(p => Math.Abs(p.Counted - p.Truth)),
        pairs.Average(p => (double)(p.Counted - p.Truth)),
        pairs.Count(p => Math.Abs(p.Counted - p.Truth) <= 1) / (double)pairs.Count);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"MAE {Mae:F2}  bias {Bias:+0.00;-0.00}  ±1 {WithinOne:P0}");
}

/// <summary>
/// What one setting gives: confirmed-track and raw-detection count errors, and over every frame of the pass the person
/// detections and the counted person tracks on the traffic cones (frames × boxes).
/// </summary>
public sealed record CountResult(CountSettings Settings, CountError Tracks, CountError Detections, int ConeBoxes, int ConeTracks, IReadOnlyList<(int Frame, int Truth, int Tracks, int Detections)> PerFrame);

/// <summary>
/// Runs the detector once over the demo clip up to the last hand-counted frame (every frame, as the agent does, at the
/// clip's 10 fps), keeps each frame's candidates, then replays the tracker and the counting rule with each setting.
/// Hand-counted frames before the tracker can confirm anyone (frame 0 with the default two hits) are left out.
/// </summary>
public sealed class ZoneCountEvaluation
{
    /// <summary>The two orange traffic cones by the car park (frame-normalised): a person box on one is a false box.</summary>
    public static readonly PointF[] Cones = [new(0.389f, 0.341f), new(0.581f, 0.330f)];

    private readonly List<Detection[]> _frames = [];
    private readonly bool[] _person;
    private readonly HandCounts _truth;
    private readonly Polygon _zone;

    private ZoneCountEvaluation(HandCounts truth, bool[] person)
    {
        _truth = truth;
        _person = person;
        _zone = truth.Shape;
    }

    /// <summary>Mean model run (ORT only) over the pass, ms.</summary>
    public double ModelMsPerFrame { get; private set; }

    public static ZoneCountEvaluation Detect(OnnxDetector detector, bool[] personClasses, string clip, HandCounts truth, float candidateThreshold = 0.1f) =>
        Detect(new WholeFrame(detector), personClasses, clip, truth, candidateThreshold);

    /// <summary>Runs <paramref name="detect"/> (one model or several: tiles, a second detector) on every frame up to the last counted one.</summary>
    public static ZoneCountEvaluation Detect(IFrameDetector detect, bool[] personClasses, string clip, HandCounts truth, float candidateThreshold = 0.1f)
    {
        ArgumentNullException.ThrowIfNull(detect);
        ArgumentNullException.ThrowIfNull(truth);
        var evaluation = new ZoneCountEvaluation(truth, personClasses);
        var last = truth.Frames.Max(f => f.Frame);
        using var capture = new VideoCapture(clip);
        using var frame = new Mat();
        var candidates = new List<Detection>(256);
        var modelTicks = 0L;
        for (var i = 0; i <= last; i++)
        {
            if (!capture.Read(frame) || frame.Empty())
            {
                throw new InvalidDataException($"{clip} ends before frame {last}");
            }

            modelTicks += detect.Detect(frame, candidateThreshold, candidates);
            evaluation._frames.Add([.. candidates]);
        }

        evaluation.ModelMsPerFrame = Stopwatch.GetElapsedTime(0, modelTicks).TotalMilliseconds / (last + 1);
        return evaluation;
    }

    public CountResult Evaluate(CountSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var tracker = new ByteTracker(settings.Tracker);
        var wanted = _truth.Frames.ToDictionary(f => f.Frame, f => f.Count);
        var perFrame = new List<(int, int, int, int)>();
        var ids = new int[512];
        var cones = 0;
        var coneTracks = 0;
        var list = new List<Detection>(256);
        for (var i = 0; i < _frames.Count; i++)
        {
            var now = DateTimeOffset.UnixEpoch.AddSeconds(i / 10.0);
            list.Clear();
            list.AddRange(_frames[i]);
            var tracks = tracker.Update(list, now, ids.AsSpan(0, list.Count));
            var detections = 0;
            foreach (var d in list)
            {
                if (d.Score >= settings.ScoreThreshold && IsPerson(d.ClassId))
                {
                    detections += InZone(d.Box) ? 1 : 0;
                    cones += OnCone(d.Box) ? 1 : 0;
                }
            }

            coneTracks += tracks.Count(t => PersonCounting.IsPresent(t, now, settings.OcclusionMemory) && IsPerson(t.ClassId) && OnCone(t.Box));
            // No track can be confirmed before its MinHitsToConfirm-th frame: the agent's start, not its steady count.
            if (i >= settings.Tracker.MinHitsToConfirm - 1 && wanted.TryGetValue(i, out var truth))
            {
                var counted = tracks.Count(t => PersonCounting.IsPresent(t, now, settings.OcclusionMemory) && IsPerson(t.ClassId) && InZone(t.Box));
                perFrame.Add((i, truth, counted, detections));
            }
        }

        return new CountResult(
            settings,
            CountError.Of([.. perFrame.Select(p => (p.Item2, p.Item3))]),
            CountError.Of([.. perFrame.Select(p => (p.Item2, p.Item4))]),
            cones,
            coneTracks,
            perFrame);
    }

    private bool IsPerson(int classId) => (uint)classId < (uint)_person.Length && _person[classId];

    private bool InZone(in NormBox box)
    {
        var (x, y) = box.BottomCentre;
        return _zone.Contains(new PointF(x, y));
    }

    // A box small enough to be a cone (a person near one is at least twice as tall) that holds a cone.
    private static bool OnCone(NormBox box) =>
        box.Height < 0.08f && Cones.Any(c => c.X >= box.X && c.X <= box.X + box.Width && c.Y >= box.Y && c.Y <= box.Y + box.Height);
}
