using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>Receives a pipeline's results on its last stage's thread; implementations must not block for long.</summary>
public interface IPipelineSink
{
    /// <summary>One processed frame: its reported detections (score ≥ threshold, after NMS) and their confirmed track ids (-1: none).</summary>
    void OnFrame(in FrameResult frame);

    /// <summary>Alert messages the rules emitted for a frame, or at the end (open alerts ended).</summary>
    void OnAlerts(IReadOnlyList<AlertMessage> alerts);
}

/// <summary>A processed frame, valid only during <see cref="IPipelineSink.OnFrame"/> (its spans are reused).</summary>
/// <param name="cameraId">The camera.</param>
/// <param name="frameIndex">0-based index of the frame in its source.</param>
/// <param name="timestamp">Frame timestamp.</param>
/// <param name="detections">Reported detections.</param>
/// <param name="trackIds">Track id per detection, -1 when no confirmed track owns it.</param>
public readonly ref struct FrameResult(string cameraId, long frameIndex, DateTimeOffset timestamp, ReadOnlySpan<Detection> detections, ReadOnlySpan<int> trackIds)
{
    public string CameraId { get; } = cameraId;

    public long FrameIndex { get; } = frameIndex;

    public DateTimeOffset Timestamp { get; } = timestamp;

    public ReadOnlySpan<Detection> Detections { get; } = detections;

    public ReadOnlySpan<int> TrackIds { get; } = trackIds;
}
