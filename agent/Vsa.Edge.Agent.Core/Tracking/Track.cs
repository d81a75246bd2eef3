using Vsa.Edge.Agent.Core.Detection;

namespace Vsa.Edge.Agent.Core.Tracking;

/// <summary>Lifecycle state of a track.</summary>
public enum TrackState
{
    /// <summary>Seen fewer than <see cref="TrackerOptions.MinHitsToConfirm"/> times: not reported to rules.</summary>
    Tentative,

    /// <summary>Seen often enough to be trusted.</summary>
    Confirmed,

    /// <summary>Confirmed, not matched recently; kept for <see cref="TrackerOptions.MaxLostDuration"/> in case it comes back.</summary>
    Lost,
}

/// <summary>
/// An object followed from frame to frame on one camera. Ids are per camera and per run. The tracker updates the same
/// instance every frame; keep the values, not the instance, if you need them after the next update.
/// </summary>
public sealed class Track
{
    /// <summary>Motion state; a field so the tracker updates it in place.</summary>
    internal KalmanBoxFilter Filter;

    internal Track()
    {
    }

    /// <summary>Frames in which a detection matched (the creating frame counts).</summary>
    public int Hits { get; internal set; }

    /// <summary>The box the motion model predicts for the current frame (what association compares against).</summary>
    public NormBox PredictedBox { get; internal set; }

    /// <summary>Estimated velocity of the box centre, frame-normalised units per second.</summary>
    public (double X, double Y) Velocity => Filter.CentreVelocity;

    /// <summary>Timestamp the filter was last advanced to.</summary>
    internal DateTimeOffset PredictedAt { get; set; }

    /// <summary>Index of the detection matched in the current update, or −1.</summary>
    internal int MatchedDetection { get; set; } = -1;

    /// <summary>Id, from 1, never reused within a run of the tracker.</summary>
    public int Id { get; internal set; }

    /// <summary>Last matched detection box (frame-normalised).</summary>
    public NormBox Box { get; internal set; }

    /// <summary>Class index into the manifest labels.</summary>
    public int ClassId { get; internal set; }

    /// <summary>Score of the last matched detection.</summary>
    public float Score { get; internal set; }

    /// <summary>Lifecycle state.</summary>
    public TrackState State { get; internal set; }

    /// <summary>Timestamp of the frame that created the track.</summary>
    public DateTimeOffset FirstSeen { get; internal set; }

    /// <summary>Timestamp of the last frame where a detection matched.</summary>
    public DateTimeOffset LastSeen { get; internal set; }
}
