using System.Globalization;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Capture;

/// <summary>What kind of video source a camera's <c>source</c> string names.</summary>
public enum FrameSourceKind
{
    /// <summary>A video file, replayed from its first frame.</summary>
    File,

    /// <summary>A network stream (RTSP, RTMP, HTTP, UDP) opened through FFmpeg.</summary>
    Stream,

    /// <summary>A V4L2 device: <c>/dev/videoN</c> or its index.</summary>
    Device,

    /// <summary>A GStreamer pipeline ending in <c>appsink</c> (the Jetson hardware decoder path).</summary>
    GStreamer,
}

/// <summary>A parsed video source.</summary>
/// <param name="Kind">Kind of source.</param>
/// <param name="Source">The source string as configured.</param>
/// <param name="DeviceIndex">The V4L2 index for <see cref="FrameSourceKind.Device"/>, -1 otherwise.</param>
public sealed record FrameSourceSpec(FrameSourceKind Kind, string Source, int DeviceIndex)
{
    private static readonly string[] StreamSchemes = ["rtsp", "rtsps", "rtmp", "http", "https", "udp", "tcp", "srt"];

    /// <summary>Live sources are stamped with the wall clock and may drop frames; files are stamped with their own position.</summary>
    public bool IsLive => Kind != FrameSourceKind.File;

    /// <summary>
    /// Classifies a source string: a <c>!</c> means a GStreamer pipeline, an integer or <c>/dev/videoN</c> a V4L2 device,
    /// a URL with a streaming scheme a network stream, anything else a file path.
    /// </summary>
    public static FrameSourceSpec Parse(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var s = source.Trim();
        if (s.Contains('!', StringComparison.Ordinal))
        {
            return new(FrameSourceKind.GStreamer, s, -1);
        }

        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return new(FrameSourceKind.Device, s, index);
        }

        if (s.StartsWith("/dev/video", StringComparison.Ordinal)
            && int.TryParse(s.AsSpan("/dev/video".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var devIndex))
        {
            return new(FrameSourceKind.Device, s, devIndex);
        }

        var colon = s.IndexOf("://", StringComparison.Ordinal);
        if (colon > 0)
        {
            var scheme = s[..colon].ToLowerInvariant();
            if (scheme == "file")
            {
                return new(FrameSourceKind.File, new Uri(s).LocalPath, -1);
            }

            if (Array.IndexOf(StreamSchemes, scheme) >= 0)
            {
                return new(FrameSourceKind.Stream, s, -1);
            }
        }

        return new(FrameSourceKind.File, s, -1);
    }

    /// <summary>The source with any password in a URL replaced by <c>***</c>, for logs and messages.</summary>
    public string Redacted => Redact(Source);

    /// <summary>Replaces every password in <paramref name="text"/> by <c>***</c> (<see cref="SourceSecrets.Mask"/>).</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SourceSecrets.Mask(text);
    }

    /// <inheritdoc />
    public override string ToString() => Redacted;
}
