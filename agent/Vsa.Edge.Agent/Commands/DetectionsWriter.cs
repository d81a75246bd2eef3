using System.Globalization;
using System.Text;
using System.Text.Json;
using Vsa.Edge.Agent.Pipeline;

namespace Vsa.Edge.Agent.Commands;

/// <summary>
/// Writes one line per processed frame:
/// <c>{"frame": 0, "ts": "…Z", "objects": [{"class": "person", "score": 0.71, "box": [x, y, w, h], "trackId": 3}]}</c>
/// (boxes normalised, 4 decimals; <c>trackId</c> null unless a confirmed track owns the detection).
/// The line is built in a reused <see cref="StringBuilder"/> to keep this exact spacing without per-frame garbage.
/// </summary>
internal sealed class DetectionsWriter : IDisposable
{
    private readonly TextWriter _writer;
    private readonly string[] _labels;
    private readonly StringBuilder _line = new(1024);

    public DetectionsWriter(TextWriter writer, IReadOnlyList<string> labels)
    {
        _writer = writer;

        // Labels are JSON-escaped once (quotes included).
        _labels = [.. labels.Select(l => JsonSerializer.Serialize(l))];
    }

    public void Write(in FrameResult frame)
    {
        var sb = _line.Clear();
        var ts = frame.Timestamp.UtcDateTime;
        sb.Append(CultureInfo.InvariantCulture, $"{{\"frame\": {frame.FrameIndex}, \"ts\": \"{ts:yyyy-MM-dd'T'HH:mm:ss.fff}Z\", \"objects\": [");
        for (var i = 0; i < frame.Detections.Length; i++)
        {
            var d = frame.Detections[i];
            if (i > 0)
            {
                sb.Append(", ");
            }

            var label = (uint)d.ClassId < (uint)_labels.Length ? _labels[d.ClassId] : "\"unknown\"";
            sb.Append(CultureInfo.InvariantCulture, $"{{\"class\": {label}, \"score\": {Round(d.Score)}, \"box\": [{Round(d.Box.X)}, {Round(d.Box.Y)}, {Round(d.Box.Width)}, {Round(d.Box.Height)}], \"trackId\": ");
            var trackId = frame.TrackIds[i];
            if (trackId >= 0)
            {
                sb.Append(trackId);
            }
            else
            {
                sb.Append("null");
            }

            sb.Append('}');
        }

        sb.Append("]}\n");
        _writer.Write(sb);
    }

    public void Dispose() => _writer.Dispose();

    private static double Round(float v) => Math.Round((double)v, 4, MidpointRounding.AwayFromZero);
}
