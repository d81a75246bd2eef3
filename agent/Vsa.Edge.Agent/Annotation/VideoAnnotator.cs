using OpenCvSharp;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Annotation;

/// <summary>
/// Writes the installer's tuning video: every analysed frame with boxes, classes, track ids, zones, lines and their
/// directions, privacy masks (hatched), fire candidates, pose lying scores and the alerts open at that moment.
/// A local file only — it holds images of people, so it never leaves the machine and must be deleted once the camera is
/// tuned (images may be kept at most one month, CSI L252-5; see <see cref="RetentionReminder"/>). Writes MPEG-4
/// (<c>mp4v</c>) to the path asked for, or Motion-JPEG to the same name with <c>.avi</c> when this OpenCV build cannot
/// encode MPEG-4 (a warning says so).
/// </summary>
public sealed class VideoAnnotator : IFrameAnnotator
{
    /// <summary>What to tell whoever asked for the video.</summary>
    public const string RetentionReminder =
        "it contains images of people: keep it on this machine, never send or publish it, and delete it as soon as the camera is tuned " +
        "(images may be kept at most one month, CSI L252-5)";

    private readonly string _path;
    private readonly double _fps;
    private readonly TextWriter _warnings;
    private readonly OverlayPainter _painter;
    private readonly Dictionary<string, AlertMessage> _open = new(StringComparer.Ordinal);
    private readonly Mat _resized = new();
    private VideoWriter? _writer;
    private Size _size;

    /// <param name="path">Output file (<c>.mp4</c> for MPEG-4; any other extension is written as asked, with <c>mp4v</c>).</param>
    /// <param name="fps">Frame rate of the written video: the analysed frames per second of the source.</param>
    /// <param name="camera">The camera's zones, lines and masks, or null to draw detections only.</param>
    /// <param name="labels">The detector's class labels.</param>
    /// <param name="warnings">Where the codec fallback is reported.</param>
    /// <param name="frameSize">The source's frame size, when known: the file is then opened at once, so an unwritable path fails before the replay starts.</param>
    /// <exception cref="IOException">Neither codec can write the file.</exception>
    public VideoAnnotator(string path, double fps, CameraConfig? camera, IReadOnlyList<string> labels, TextWriter warnings, Size? frameSize = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(warnings);
        _path = Path.GetFullPath(path);
        _fps = fps is > 0 and < 1000 ? fps : 10;
        _warnings = warnings;
        _painter = new OverlayPainter(camera, labels);
        if (frameSize is { Width: > 0, Height: > 0 } size)
        {
            _writer = Open(size);
        }
    }

    /// <summary>The file written (null before the first frame); differs from the path asked for after a codec fallback.</summary>
    public string? WrittenPath { get; private set; }

    /// <summary>The codec used: <c>mp4v</c> or <c>MJPG</c>.</summary>
    public string? Codec { get; private set; }

    /// <summary>Frames written.</summary>
    public long FramesWritten { get; private set; }

    /// <inheritdoc />
    public void Annotate(Mat frame, in FrameResult result, in FrameObservation observation, IReadOnlyList<AlertMessage> alerts)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(alerts);
        Track(alerts);
        _writer ??= Open(frame.Size());
        _painter.Draw(frame, result, observation, _open.Values);

        // A video file has one frame size; a source that changes resolution is scaled to the first one.
        if (frame.Size() == _size)
        {
            _writer.Write(frame);
        }
        else
        {
            Cv2.Resize(frame, _resized, _size);
            _writer.Write(_resized);
        }

        FramesWritten++;
    }

    /// <inheritdoc />
    public void Complete(IReadOnlyList<AlertMessage> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        Track(alerts);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _writer?.Release();
        _writer?.Dispose();
        _painter.Dispose();
        _resized.Dispose();
    }

    private void Track(IReadOnlyList<AlertMessage> alerts)
    {
        foreach (var alert in alerts)
        {
            if (alert.State == AlertState.End)
            {
                _open.Remove(alert.AlertId);
            }
            else
            {
                _open[alert.AlertId] = alert;
            }
        }
    }

    private VideoWriter Open(Size size)
    {
        _size = size;
        var dir = Path.GetDirectoryName(_path);
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        var writer = new VideoWriter(_path, FourCC.FromString("mp4v"), _fps, size);
        if (writer.IsOpened())
        {
            (WrittenPath, Codec) = (_path, "mp4v");
            return writer;
        }

        writer.Dispose();
        var fallback = Path.ChangeExtension(_path, ".avi");
        writer = new VideoWriter(fallback, FourCC.MJPG, _fps, size);
        if (!writer.IsOpened())
        {
            writer.Dispose();
            throw new IOException($"Cannot write the annotated video: neither '{_path}' (mp4v) nor '{fallback}' (MJPG) can be opened by this OpenCV build.");
        }

        _warnings.WriteLine($"warning: this OpenCV build cannot encode mp4v; writing Motion-JPEG to '{fallback}' instead of '{_path}'");
        (WrittenPath, Codec) = (fallback, "MJPG");
        return writer;
    }
}
