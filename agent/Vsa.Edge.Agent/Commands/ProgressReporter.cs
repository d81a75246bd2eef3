using System.Globalization;

namespace Vsa.Edge.Agent.Commands;

/// <summary>
/// Replay progress on stderr: on a terminal one line rewritten in place (frame/total, fps, ETA) four times a second;
/// when stderr is redirected, a plain line every five seconds so logs stay readable.
/// </summary>
internal sealed class ProgressReporter(TextWriter output, bool interactive, long totalFrames, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private readonly TimeSpan _interval = interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
    private long _lastReport = time.GetTimestamp();
    private bool _wroteInPlace;

    /// <summary>Called after each processed frame with its index and the number of frames processed so far.</summary>
    public void Report(long frameIndex, long processed)
    {
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(_lastReport, now) < _interval)
        {
            return;
        }

        _lastReport = now;
        var line = Format(frameIndex + 1, processed, time.GetElapsedTime(_started, now));
        if (interactive)
        {
            output.Write('\r');
            output.Write(line);
            _wroteInPlace = true;
        }
        else
        {
            output.WriteLine(line);
        }

        output.Flush();
    }

    /// <summary>Ends the in-place line.</summary>
    public void Complete()
    {
        if (_wroteInPlace)
        {
            output.WriteLine();
            output.Flush();
        }
    }

    private string Format(long position, long processed, TimeSpan elapsed)
    {
        var fps = elapsed.TotalSeconds > 0 ? processed / elapsed.TotalSeconds : 0;
        if (totalFrames <= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"frame {position}  {fps,6:F1} fps  ");
        }

        var fraction = Math.Clamp((double)position / totalFrames, 0, 1);
        var eta = fraction > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - fraction) / fraction) : TimeSpan.Zero;
        return string.Create(CultureInfo.InvariantCulture, $"frame {position}/{totalFrames} {fraction,4:P0}  {fps,6:F1} fps  ETA {eta:m\\:ss}  ");
    }
}
