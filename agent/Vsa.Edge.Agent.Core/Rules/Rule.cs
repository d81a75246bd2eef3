using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Tracking;
using Vsa.Edge.Configuration;
using Vsa.Edge.Configuration.Geometry;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>What a rule needs from its event's configuration, resolved once when the engine is built.</summary>
internal sealed record RuleSettings(
    string? ZoneId,
    Polygon? Zone,
    bool[] ClassMask,
    IReadOnlyList<string> Labels,
    TimeSpan MinDuration,
    TimeSpan ExitGrace,
    EventSchedule Schedule,
    IReadOnlyDictionary<string, double> Parameters,
    GroundPlane Ground,
    AlertLifecycle Lifecycle)
{
    public double this[string parameter] => Parameters[parameter];
}

/// <summary>This frame as every rule sees it; one instance per engine, refilled each frame (no allocation).</summary>
internal sealed class RuleFrame
{
    private readonly Dictionary<int, PoseEvidence> _pose = [];

    public IReadOnlyList<Track> Tracks { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    /// <summary>Timestamp of the first frame the engine evaluated: objects seen around it were there before analysis began.</summary>
    public DateTimeOffset? AnalysisStart { get; private set; }

    public TrackHistoryStore History { get; } = new();

    public double FrameAspect { get; private set; } = 16.0 / 9.0;

    public IReadOnlyList<FireCandidate> FireCandidates { get; private set; } = [];

    public IReadOnlyList<StaticRegion> StaticRegions { get; private set; } = [];

    public void Load(in FrameObservation observation, GroundPlane ground, bool keepHistory)
    {
        Tracks = observation.Tracks;
        Now = observation.Timestamp;
        AnalysisStart ??= Now;
        if (observation.FrameAspectRatio > 0 && double.IsFinite(observation.FrameAspectRatio))
        {
            FrameAspect = observation.FrameAspectRatio;
        }

        FireCandidates = observation.FireCandidates ?? [];
        StaticRegions = observation.StaticRegions ?? [];
        _pose.Clear();
        if (observation.Pose is { } pose)
        {
            for (var i = 0; i < pose.Count; i++)
            {
                _pose[pose[i].TrackId] = pose[i];
            }
        }

        if (keepHistory)
        {
            History.Update(Tracks, Now, ground);
        }
    }

    public bool TryGetPose(int trackId, out PoseEvidence pose) => _pose.TryGetValue(trackId, out pose);
}

/// <summary>
/// One event on one zone (or line, or the whole frame) of one camera. Rules measure time with frame timestamps only,
/// keep per-subject state in dictionaries that reach a steady size, and allocate only to build alert messages.
/// </summary>
internal abstract class Rule(RuleSettings settings)
{
    public RuleSettings Settings { get; } = settings;

    public AlertLifecycle Lifecycle => Settings.Lifecycle;

    public abstract void Evaluate(RuleFrame frame, List<AlertMessage> output);

    /// <summary>Ends every open alert at <paramref name="now"/> and forgets all state.</summary>
    public abstract void Flush(DateTimeOffset now, List<AlertMessage> output);

    /// <summary>A confirmed track of a class the event applies to.</summary>
    protected bool Applies(Track track) =>
        track.State == TrackState.Confirmed && (uint)track.ClassId < (uint)Settings.ClassMask.Length && Settings.ClassMask[track.ClassId];

    /// <summary>Whether a box's feet are in the rule's zone (always, for a whole-frame rule).</summary>
    protected bool InZone(in NormBox box)
    {
        if (Settings.Zone is null)
        {
            return true;
        }

        var (x, y) = box.BottomCentre;
        return Settings.Zone.Contains(new PointF(x, y));
    }

    /// <summary>Whether a new alert may start for the subject now: none open, cooldown over, inside the schedule.</summary>
    protected bool MayStart(long subject, DateTimeOffset now) => Lifecycle.CanStart(subject, now) && Settings.Schedule.IsActive(now);

    protected string Label(int classId) =>
        (uint)classId < (uint)Settings.Labels.Count ? Settings.Labels[classId] : classId.ToString();

    protected static AlertObject Object(string label, float score, in NormBox b, int? trackId) =>
        new(label, Math.Round(score, 4), [Round(b.X), Round(b.Y), Round(b.Width), Round(b.Height)], trackId);

    protected AlertObject[] Objects(int trackId, int classId, float score, in NormBox box) => [Object(Label(classId), score, box, trackId)];

    /// <summary>The applicable tracks in the zone, for zone-wide alerts (allocates: call only when a message is built).</summary>
    protected List<AlertObject> People(RuleFrame frame)
    {
        var people = new List<AlertObject>();
        foreach (var track in frame.Tracks)
        {
            if (Applies(track) && InZone(track.Box))
            {
                people.Add(Object(Label(track.ClassId), track.Score, track.Box, track.Id));
            }
        }

        return people;
    }

    protected static Measurement Seconds(TimeSpan duration) => new("duration", Math.Round(Math.Max(0, duration.TotalSeconds), 3), "s");

    protected static double Round(double v) => Math.Round(v, 4);
}
