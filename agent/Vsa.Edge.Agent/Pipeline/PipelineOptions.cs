using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>How one camera pipeline runs.</summary>
public sealed class PipelineOptions
{
    /// <summary>
    /// Replay (true): every frame is processed, capture waits for inference. Live (false): capture never waits, the
    /// oldest queued frame is dropped (latest-frame policy). Default false.
    /// </summary>
    public bool Replay { get; set; }

    /// <summary>Process one frame in N (the others are grabbed but not decoded to BGR). Default 1.</summary>
    [Range(1, 10_000)]
    public int Every { get; set; } = 1;

    /// <summary>Detections at or above this score are reported (detections output, rules through the tracker). Default 0.5.</summary>
    [Range(0.0, 1.0)]
    public float ScoreThreshold { get; set; } = 0.5f;

    /// <summary>
    /// Decoding keeps candidates down to this score so the tracker can extend tracks with weak detections
    /// (ByteTrack's second association); values above <see cref="ScoreThreshold"/> are raised to it. Default 0.1.
    /// </summary>
    [Range(0.0, 1.0)]
    public float CandidateScoreThreshold { get; set; } = 0.1f;

    /// <summary>Frames queued between capture and inference. Default 2.</summary>
    [Range(1, 64)]
    public int FrameQueueCapacity { get; set; } = 2;

    /// <summary>
    /// Live only: a frame older than this (by its timestamp) when the detector is ready for it is dropped and counted,
    /// so analysis never lags behind real time. Null keeps every frame. Default null (the agent sets Capture:MaxFrameAge).
    /// </summary>
    public TimeSpan? MaxFrameAge { get; set; }

    /// <summary>Play files at their own frame rate, as a camera would deliver them (for <c>run</c> on a file). Default false.</summary>
    public bool PaceFiles { get; set; }
}
