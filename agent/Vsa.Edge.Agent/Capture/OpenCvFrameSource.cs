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

    /// <summary>Opens a source; <paramref name="baseTime"/> is the timestamp of a file's first frame (default: now).</summary>
    public static OpenCvFrameSource Open(FrameSourceSpec spec, TimeProvider time, DateTimeOffset? baseTime = null)
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
            FrameSourceKind.Stream => new VideoCapture(spec.Source, VideoCaptureAPIs.FFMPEG),
            _ => new VideoCapture(spec.Source, VideoCaptureAPIs.ANY),
        };

        try
        {
            if (!capture.IsOpened())
            {
                throw new FrameSourceException($"Video source '{spec.Source}' cannot be opened as a {Describe(spec.Kind)} (backend missing, unreachable or not a video).");
            }

            if (capture.FrameWidth <= 0 || capture.FrameHeight <= 0)
            {
                throw new FrameSourceException($"Video source '{spec.Source}' opened but reports no frame size: it cannot be decoded.");
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

    private static string Describe(FrameSourceKind kind) => kind switch
    {
        FrameSourceKind.GStreamer => "GStreamer pipeline",
        FrameSourceKind.Device => "V4L2 device",
        FrameSourceKind.Stream => "network stream",
        _ => "video file",
    };
}

/// <summary>Opens <see cref="OpenCvFrameSource"/>s and logs what was opened.</summary>
public sealed class OpenCvFrameSourceFactory(TimeProvider time, ILogger<OpenCvFrameSourceFactory> logger) : IFrameSourceFactory
{
    /// <summary>Timestamp of a file's first frame; null means the time the file is opened.</summary>
    public DateTimeOffset? ReplayStart { get; set; }

    /// <inheritdoc />
    public IFrameSource Open(string source)
    {
        var spec = FrameSourceSpec.Parse(source);
        var opened = OpenCvFrameSource.Open(spec, time, ReplayStart);
        CaptureLog.SourceOpened(logger, spec.Source, spec.Kind, opened.Width, opened.Height, opened.Fps, opened.FrameCount);
        return opened;
    }
}
