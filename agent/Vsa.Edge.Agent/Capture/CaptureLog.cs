using Microsoft.Extensions.Logging;

namespace Vsa.Edge.Agent.Capture;

/// <summary>Capture log messages (event ids 1000–1099).</summary>
internal static partial class CaptureLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Opened {Kind} source {Source}: {Width}x{Height} at {Fps} fps, {FrameCount} frames")]
    public static partial void SourceOpened(ILogger logger, string source, FrameSourceKind kind, int width, int height, double fps, int frameCount);
}
