namespace Vsa.Edge.Agent.Capture;

/// <summary>Which backend opens a configured source: the decision, kept pure so it can be tested without a Jetson.</summary>
public static class SourceRouting
{
    /// <summary>
    /// RTSP cameras use the GStreamer hardware pipeline when <see cref="CaptureOptions.HardwareDecode"/> is
    /// <see cref="HardwareDecode.Always"/>, or <see cref="HardwareDecode.Auto"/> on a Jetson whose OpenCV has GStreamer;
    /// everything else opens as configured (FFmpeg for streams). The note says why a Jetson fell back to FFmpeg.
    /// </summary>
    public static SourceDecision Decide(FrameSourceSpec configured, CaptureOptions options, bool isJetson, Func<bool> hasGStreamer)
    {
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hasGStreamer);
        var isRtsp = configured.Kind == FrameSourceKind.Stream
            && (configured.Source.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || configured.Source.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase));
        if (!isRtsp || options.HardwareDecode == HardwareDecode.Never || (options.HardwareDecode == HardwareDecode.Auto && !isJetson))
        {
            return new SourceDecision(configured, null);
        }

        if (options.HardwareDecode == HardwareDecode.Auto && !hasGStreamer())
        {
            return new SourceDecision(
                configured,
                "this is a Jetson but the loaded OpenCV has no GStreamer backend (OpenCvSharp's official runtime): RTSP is decoded by FFmpeg on the CPU. Build libOpenCvSharpExtern against an OpenCV with GStreamer (docs/jetson.md).");
        }

        var pipeline = GStreamerPipeline.JetsonRtsp(configured.Source, options.RtspCodec, options.RtspLatencyMs, options.RtspOverTcp);
        return new SourceDecision(new FrameSourceSpec(FrameSourceKind.GStreamer, pipeline, -1), null);
    }
}

/// <summary>The spec to open, and why the preferred backend was not used (null when it was).</summary>
/// <param name="Spec">What to open.</param>
/// <param name="Note">Why a Jetson fell back to FFmpeg; null otherwise.</param>
public sealed record SourceDecision(FrameSourceSpec Spec, string? Note);
