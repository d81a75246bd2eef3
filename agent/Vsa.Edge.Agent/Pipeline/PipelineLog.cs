using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Pipeline;

/// <summary>Pipeline log messages (event ids 3000–3099).</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Camera {CameraId}: source {Source} ended after {Frames} frames")]
    public static partial void SourceEnded(ILogger logger, string cameraId, string source, long frames);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Camera {CameraId}: pipeline started ({Mode}, one frame in {Every})")]
    public static partial void Started(ILogger logger, string cameraId, string mode, int every);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Camera {CameraId}: pipeline failed")]
    public static partial void Failed(ILogger logger, Exception exception, string cameraId);
}
