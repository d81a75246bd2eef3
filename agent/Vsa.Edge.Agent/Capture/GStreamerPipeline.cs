using System.Globalization;
using System.Text;

namespace Vsa.Edge.Agent.Capture;

/// <summary>
/// Builds GStreamer capture pipelines for OpenCV's GStreamer backend. On a Jetson, RTSP goes through the hardware
/// decoder (<c>nvv4l2decoder</c>, NVDEC) and the VIC converter (<c>nvvidconv</c>) instead of FFmpeg on the CPU; the
/// appsink keeps only the newest buffer (<c>drop=true max-buffers=1</c>) so a slow reader never sees old frames.
/// </summary>
public static class GStreamerPipeline
{
    /// <summary>
    /// <c>rtspsrc location="…" latency=… ! rtph264depay ! h264parse ! nvv4l2decoder ! nvvidconv !
    /// video/x-raw,format=BGRx ! videoconvert ! video/x-raw,format=BGR ! appsink drop=true max-buffers=1</c>
    /// (<c>rtph265depay ! h265parse</c> for H.265).
    /// </summary>
    public static string JetsonRtsp(string url, VideoCodec codec, int latencyMs, bool overTcp = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentOutOfRangeException.ThrowIfNegative(latencyMs);
        var (depay, parse) = codec switch
        {
            VideoCodec.H264 => ("rtph264depay", "h264parse"),
            VideoCodec.H265 => ("rtph265depay", "h265parse"),
            _ => throw new ArgumentOutOfRangeException(nameof(codec), codec, "Unknown codec."),
        };
        var source = new StringBuilder()
            .Append("rtspsrc location=").Append(Quote(url))
            .Append(CultureInfo.InvariantCulture, $" latency={latencyMs}");
        if (overTcp)
        {
            source.Append(" protocols=tcp");
        }

        return $"{source} ! {depay} ! {parse} ! nvv4l2decoder ! nvvidconv ! video/x-raw,format=BGRx ! videoconvert ! video/x-raw,format=BGR ! appsink drop=true max-buffers=1";
    }

    // gst_parse_launch reads a double-quoted value verbatim except for \" and \\; a URL may hold '!' or spaces
    // (in a password) that would otherwise split the pipeline. Control characters cannot be expressed: refuse them.
    private static string Quote(string value)
    {
        if (value.Any(char.IsControl))
        {
            throw new ArgumentException("A stream URL must not contain control characters.", nameof(value));
        }

        return "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}

/// <summary>What OpenCV's native build can do, from <c>cv::getBuildInformation()</c>.</summary>
public static class OpenCvBuildInfo
{
    /// <summary>
    /// Whether the "Video I/O" section says <c>GStreamer: YES</c>. OpenCvSharp's official Linux runtime is built
    /// without GStreamer (the line is absent), JetPack's OpenCV with it.
    /// </summary>
    public static bool HasGStreamer(string buildInformation)
    {
        ArgumentNullException.ThrowIfNull(buildInformation);
        foreach (var raw in buildInformation.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("GStreamer:", StringComparison.OrdinalIgnoreCase))
            {
                return line["GStreamer:".Length..].TrimStart().StartsWith("YES", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }
}
