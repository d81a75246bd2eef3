using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.Agent.Capture;

/// <summary>How cameras are opened, watched and reconnected (configuration section <c>Capture</c>).</summary>
public sealed class CaptureOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Capture";

    /// <summary>
    /// A live camera that delivers no frame for this long is declared stalled (<c>camera_offline</c>) and reopened,
    /// even while its read is still blocked in the decoder. Default 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First reconnect delay (before jitter); it doubles on each failure. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest reconnect delay; a camera that ran this long without failing starts again from the smallest. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Live frames older than this when they reach the detector are dropped (counted in the heartbeat), so analysis
    /// never lags behind real time. Default 1 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxFrameAge { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Connection timeout of network streams opened through FFmpeg. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one FFmpeg read may block before it gives up (it is also abandoned at <see cref="StallTimeout"/>). Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether RTSP cameras are decoded by the Jetson's hardware decoder through GStreamer. Default <see cref="HardwareDecode.Auto"/>.</summary>
    public HardwareDecode HardwareDecode { get; set; } = HardwareDecode.Auto;

    /// <summary>Codec of the RTSP cameras for the hardware pipeline (the depayloader and parser differ). Default H264.</summary>
    public VideoCodec RtspCodec { get; set; } = VideoCodec.H264;

    /// <summary>rtspsrc jitter-buffer latency: lower is fresher, higher survives a jittery network. Default 200 ms.</summary>
    [Range(0, 10_000)]
    public int RtspLatencyMs { get; set; } = 200;

    /// <summary>Force RTSP over TCP (interleaved) in the hardware pipeline; UDP first otherwise. Default false.</summary>
    public bool RtspOverTcp { get; set; }
}

/// <summary>When the GStreamer hardware-decode pipeline replaces FFmpeg for RTSP cameras.</summary>
public enum HardwareDecode
{
    /// <summary>On a Jetson (L4T) whose OpenCV has GStreamer; FFmpeg elsewhere.</summary>
    Auto,

    /// <summary>Always (fails clearly when OpenCV has no GStreamer).</summary>
    Always,

    /// <summary>Never: FFmpeg software decoding.</summary>
    Never,
}

/// <summary>Compressed video codecs the hardware pipeline knows.</summary>
public enum VideoCodec
{
    /// <summary>H.264 / AVC.</summary>
    H264,

    /// <summary>H.265 / HEVC.</summary>
    H265,
}

/// <summary>Cross-field check: the reconnect delays are ordered.</summary>
public sealed class CaptureOptionsValidator : IValidateOptions<CaptureOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ReconnectMinDelay > options.ReconnectMaxDelay
            ? ValidateOptionsResult.Fail("Capture:ReconnectMinDelay must not exceed Capture:ReconnectMaxDelay.")
            : ValidateOptionsResult.Success;
    }
}
