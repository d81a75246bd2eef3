using OpenCvSharp;

namespace Vsa.Edge.Agent.Capture;

/// <summary>
/// A source of video frames. Reads go into a caller-owned <see cref="VideoFrame"/> so the same Mat buffers are reused
/// frame after frame (no per-frame allocation in steady state).
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>The parsed source.</summary>
    FrameSourceSpec Spec { get; }

    /// <summary>Nominal frame rate, or 0 when the source does not say.</summary>
    double Fps { get; }

    /// <summary>Number of frames for a file, -1 when unknown (live sources).</summary>
    int FrameCount { get; }

    /// <summary>Frame width in pixels.</summary>
    int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    int Height { get; }

    /// <summary>Reads and decodes the next frame into <paramref name="frame"/>; false at the end of a file or when a live source failed.</summary>
    bool TryRead(VideoFrame frame);

    /// <summary>
    /// <see cref="TryRead(VideoFrame)"/> that gives up with <see cref="OperationCanceledException"/> when
    /// <paramref name="cancellationToken"/> fires; sources that wait for a reconnect honour it, plain ones read as usual.
    /// </summary>
    bool TryRead(VideoFrame frame, CancellationToken cancellationToken) => TryRead(frame);

    /// <summary>Advances past the next frame without converting it to BGR (cheaper than a read); false at the end.</summary>
    bool TrySkip();
}

/// <summary>Opens frame sources; the seam that lets tests and other back-ends replace OpenCV.</summary>
public interface IFrameSourceFactory
{
    /// <summary>Opens <paramref name="source"/>; throws <see cref="FrameSourceException"/> naming the source when it is missing or unreadable.</summary>
    IFrameSource Open(string source);
}

/// <summary>A reusable frame buffer: the image and where it sits in the stream.</summary>
public sealed class VideoFrame : IDisposable
{
    private Mat _image = new();

    /// <summary>
    /// The decoded BGR image; its pixel buffer is reused by the next read of the same size. A supervised source hands
    /// frames over by exchanging images, so read this property each time rather than keeping the Mat.
    /// </summary>
    public Mat Image => _image;

    /// <summary>0-based index of the frame in its stream (counting skipped frames).</summary>
    public long Index { get; internal set; }

    /// <summary>Frame timestamp: the clip position added to a base time for files, the wall clock for live sources.</summary>
    public DateTimeOffset Timestamp { get; internal set; }

    /// <summary>Sets the stream position; for sources other than <see cref="IFrameSource"/> implementations and tests.</summary>
    public void Stamp(long index, DateTimeOffset timestamp)
    {
        Index = index;
        Timestamp = timestamp;
    }

    /// <inheritdoc />
    public void Dispose() => _image.Dispose();

    // Hands this frame's pixels and position to another frame without copying, taking that frame's buffer in exchange.
    internal void ExchangeWith(VideoFrame other)
    {
        (_image, other._image) = (other._image, _image);
        (Index, other.Index) = (other.Index, Index);
        (Timestamp, other.Timestamp) = (other.Timestamp, Timestamp);
    }
}

/// <summary>A video source that is missing, cannot be opened or cannot be decoded; the message names it.</summary>
public sealed class FrameSourceException : Exception
{
    public FrameSourceException()
    {
    }

    public FrameSourceException(string message)
        : base(message)
    {
    }

    public FrameSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
