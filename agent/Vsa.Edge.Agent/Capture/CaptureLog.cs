using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Capture;

/// <summary>Capture log messages (event ids 1000–1099).</summary>
internal static partial class CaptureLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Opened {Kind} source {Source}: {Width}x{Height} at {Fps} fps, {FrameCount} frames")]
    public static partial void SourceOpened(ILogger logger, string source, FrameSourceKind kind, int width, int height, double fps, int frameCount);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Hardware decoding unavailable: {Reason}")]
    public static partial void HardwareDecodeUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Camera {CameraId}: {Source} cannot be opened (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    public static partial void OpenFailed(ILogger logger, string cameraId, string source, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Camera {CameraId}: {Source} stopped delivering frames (attempt {Attempt}), reconnecting in {Delay}: {Reason}")]
    public static partial void SourceLost(ILogger logger, string cameraId, string source, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Camera {CameraId}: no frame for {Elapsed} (stall timeout {Timeout}); abandoning the blocked read and reconnecting in {Delay}")]
    public static partial void Stalled(ILogger logger, string cameraId, TimeSpan elapsed, TimeSpan timeout, TimeSpan delay);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Camera {CameraId}: frames arriving from {Source}")]
    public static partial void Online(ILogger logger, string cameraId, string source);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Camera {CameraId}: pipeline failed; restarting it in {Delay} (the other cameras are not affected)")]
    public static partial void PipelineFailed(ILogger logger, Exception exception, string cameraId, TimeSpan delay);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Camera {CameraId}: video file {Source} ended after {Frames} of its {FrameCount} frames: the file is truncated or corrupt")]
    public static partial void FileTruncated(ILogger logger, string cameraId, string source, long frames, int frameCount);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Camera {CameraId}: video file {Source} ended after {Frames} frames")]
    public static partial void FileEnded(ILogger logger, string cameraId, string source, long frames);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Debug, Message = "Camera {CameraId}: a read abandoned after a stall returned; its capture is released")]
    public static partial void AbandonedReadReturned(ILogger logger, string cameraId);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Camera {CameraId}: live stream {Source} ended unexpectedly; restarting it in {Delay}")]
    public static partial void LiveRunEnded(ILogger logger, string cameraId, string source, TimeSpan delay);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Board: {Board}; hardware decoding {HardwareDecode}")]
    public static partial void Board(ILogger logger, Platform.BoardInfo board, HardwareDecode hardwareDecode);
}
