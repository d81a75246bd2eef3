using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace Vsa.Edge.Agent.Capture;

/// <summary>
/// Frames from OpenCV's <see cref="VideoCapture"/>: files and network streams through FFmpeg, V4L2 devices, GStreamer
/// pipelines. Files are stamped with their own position (frame index ÷ fps, else CAP_PROP_POS_MSEC) added to a base
/// time, so a replay gives the same timestamps however fast it runs; live sources are stamped with the clock.
/// </summary>
public sealed class OpenCvFrameSource : IFrameSource
{
    // cv::CAP_PROP_OPEN_TIMEOUT_MSEC and CAP_PROP_READ_TIMEOUT_MSEC (OpenCV 4.6+), absent from OpenCvSharp's enum.
    private const VideoCaptureProperties OpenTimeoutMsec = (VideoCaptureProperties)53;
    private const VideoCaptureProperties ReadTimeoutMsec = (VideoCaptureProperties)54;

    private readonly VideoCapture _capture;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _baseTime;
    private long _nextIndex;

    private OpenCvFrameSource(FrameSourceSpec spec, VideoCapture capture, TimeProvider time, DateTimeOffset baseTime)
    {
        Spec = spec;
        _capture = capture;
        _time = time;
        _baseTime = baseTime;
        Fps = capture.Fps is > 0 and < 1000 ? capture.Fps : 0;
        FrameCount = spec.IsLive ? -1 : Math.Max(-1, capture.FrameCount);
        Width = capture.FrameWidth;
        Height = capture.FrameHeight;
    }

    /// <inheritdoc />
    public FrameSourceSpec Spec { get; }

    /// <inheritdoc />
    public double Fps { get; }

    /// <inheritdoc />
    public int FrameCount { get; }

    /// <inheritdoc />
    public int Width { get; }

    /// <inheritdoc />
    public int Height { get; }

    /// <summary>The codec OpenCV reports (its FOURCC: "XVID", "H264"), or null when the backend does not say.</summary>
    public string? Codec => _capture.FourCC?.Trim('\0', ' ') is { Length: > 0 } code && code.All(char.IsAsciiLetterOrDigit) ? code : null;

    /// <summary>
    /// Opens a source; <paramref name="baseTime"/> is the timestamp of a file's first frame (default: now);
    /// <paramref name="options"/> gives network streams their open and read timeouts (default <see cref="CaptureOptions"/>'s).
    /// </summary>
    public static OpenCvFrameSource Open(FrameSourceSpec spec, TimeProvider time, DateTimeOffset? baseTime = null, CaptureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(time);
        if (spec.Kind == FrameSourceKind.File && !File.Exists(spec.Source))
        {
            throw new FrameSourceException($"Video source '{spec.Source}' not found.");
        }

        var capture = spec.Kind switch
        {
            FrameSourceKind.GStreamer => new VideoCapture(spec.Source, VideoCaptureAPIs.GSTREAMER),
            FrameSourceKind.Device => spec.Source.StartsWith('/')
                ? new VideoCapture(spec.Source, VideoCaptureAPIs.V4L2)
                : new VideoCapture(spec.DeviceIndex, VideoCaptureAPIs.V4L2),
            FrameSourceKind.Stream => new VideoCapture(spec.Source, VideoCaptureAPIs.FFMPEG, StreamParameters(options ?? new CaptureOptions())),
            _ => new VideoCapture(spec.Source, VideoCaptureAPIs.ANY),
        };

        try
        {
            if (!capture.IsOpened())
            {
                throw new FrameSourceException($"Video source '{spec.Redacted}' cannot be opened as a {Describe(spec.Kind)} (backend missing, unreachable or not a video).");
            }

            if (capture.FrameWidth <= 0 || capture.FrameHeight <= 0)
            {
                throw new FrameSourceException($"Video source '{spec.Redacted}' opened but reports no frame size: it cannot be decoded.");
            }

            return new OpenCvFrameSource(spec, capture, time, baseTime ?? time.GetUtcNow());
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool TryRead(VideoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);

        // Read(Mat) decodes into the existing buffer: OpenCV reallocates only when the frame size changes.
        if (!_capture.Read(frame.Image) || frame.Image.Empty())
        {
            return false;
        }

        var index = _nextIndex++;
        frame.Index = index;
        frame.Timestamp = Spec.IsLive ? _time.GetUtcNow() : _baseTime + PositionOf(index);
        return true;
    }

    /// <inheritdoc />
    public bool TrySkip()
    {
        if (!_capture.Grab())
        {
            return false;
        }

        _nextIndex++;
        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _capture.Dispose();

    private TimeSpan PositionOf(long index)
    {
        if (Fps > 0)
        {
            return TimeSpan.FromTicks((long)Math.Round(index * TimeSpan.TicksPerSecond / Fps));
        }

        // No usable frame rate in the container: fall back on the decoder's own position of the frame just read.
        var msec = _capture.PosMsec;
        return msec > 0 ? TimeSpan.FromMilliseconds(msec) : TimeSpan.Zero;
    }

    // Without these FFmpeg waits ~30 s on an unreachable camera and can block a read on a dead stream for as long.
    private static int[] StreamParameters(CaptureOptions options) =>
    [
        (int)OpenTimeoutMsec, (int)Math.Ceiling(options.OpenTimeout.TotalMilliseconds),
        (int)ReadTimeoutMsec, (int)Math.Ceiling(options.ReadTimeout.TotalMilliseconds),
    ];

    private static string Describe(FrameSourceKind kind) => kind switch
    {
        FrameSourceKind.GStreamer => "GStreamer pipeline",
        FrameSourceKind.Device => "V4L2 device",
        FrameSourceKind.Stream => "network stream",
        _ => "video file",
    };
}

/// <summary>
/// Opens <see cref="OpenCvFrameSource"/>s and logs what was opened. RTSP cameras go through the Jetson hardware
/// decoder (<see cref="GStreamerPipeline.JetsonRtsp"/>) when <see cref="CaptureOptions.HardwareDecode"/> says so.
/// </summary>
public sealed class OpenCvFrameSourceFactory(TimeProvider time, ILogger<OpenCvFrameSourceFactory> logger) : IFrameSourceFactory
{
    private static readonly Lazy<bool> OpenCvHasGStreamer = new(() => OpenCvBuildInfo.HasGStreamer(Cv2.GetBuildInformation()));
    private int _fallbackLogged;

    /// <summary>Timestamp of a file's first frame; null means the time the file is opened.</summary>
    public DateTimeOffset? ReplayStart { get; set; }

    /// <summary>Timeouts and the hardware-decode choice. Default <see cref="CaptureOptions"/>'s defaults.</summary>
    public CaptureOptions Options { get; init; } = new();

    /// <summary>The board (a Jetson decodes RTSP in hardware). Default: not a Jetson.</summary>
    public Platform.BoardInfo Board { get; init; } = new(null, null);

    /// <summary>Whether OpenCV's GStreamer backend is there; default asks the loaded OpenCV once.</summary>
    public Func<bool> HasGStreamer { get; init; } = () => OpenCvHasGStreamer.Value;

    /// <inheritdoc />
    public IFrameSource Open(string source)
    {
        var configured = FrameSourceSpec.Parse(source);
        var decision = SourceRouting.Decide(configured, Options, Board.IsJetson, HasGStreamer);
        if (decision.Note is { } note && Interlocked.Exchange(ref _fallbackLogged, 1) == 0)
        {
            CaptureLog.HardwareDecodeUnavailable(logger, note);
        }

        OpenCvFrameSource opened;
        try
        {
            opened = OpenCvFrameSource.Open(decision.Spec, time, ReplayStart, Options);
        }
        catch (FrameSourceException) when (!ReferenceEquals(decision.Spec, configured))
        {
            // The pipeline text holds the URL and its password: name the camera as configured instead, without the inner error.
            throw new FrameSourceException($"RTSP camera '{configured.Redacted}' cannot be opened through the GStreamer hardware-decode pipeline (unreachable, wrong Capture:RtspCodec, or nvv4l2decoder missing).");
        }

        CaptureLog.SourceOpened(logger, configured.Redacted, decision.Spec.Kind, opened.Width, opened.Height, opened.Fps, opened.FrameCount);
        return opened;
    }
}
