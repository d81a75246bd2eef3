using System.Diagnostics;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Benchmarks.Counting;

/// <summary>One way of getting a frame's candidate detections; returns the Stopwatch ticks spent in model runs.</summary>
public interface IFrameDetector
{
    long Detect(Mat frame, float scoreThreshold, List<Detection> results);
}

/// <summary>The agent's way: the whole frame through one model.</summary>
public sealed class WholeFrame(OnnxDetector detector) : IFrameDetector, IDisposable
{
    private readonly InferenceBuffers _buffers = detector.CreateBuffers();

    public long Detect(Mat frame, float scoreThreshold, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        detector.Preprocess(frame, _buffers);
        var started = Stopwatch.GetTimestamp();
        detector.Run(_buffers);
        var ticks = Stopwatch.GetTimestamp() - started;
        detector.Decode(_buffers, scoreThreshold, results);
        return ticks;
    }

    public void Dispose() => _buffers.Dispose();
}

/// <summary>
/// Tiling of a wide frame: <c>columns</c> side-by-side tiles of the full height that overlap by
/// <c>overlap</c> of the frame width, each through the model; boxes mapped back to the frame, a box cut by a tile's
/// inner edge dropped (the overlap is wider than a person here, so the neighbouring tile sees that person whole),
/// then one class-wise NMS over all tiles.
/// </summary>
public sealed class Tiled(OnnxDetector detector, int columns, float overlap, float nmsIou) : IFrameDetector, IDisposable
{
    private readonly WholeFrame _inner = new(detector);
    private readonly List<Detection> _tile = new(256);

    public long Detect(Mat frame, float scoreThreshold, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(results);
        results.Clear();
        var ticks = 0L;
        var width = frame.Width / (float)columns;
        var tileWidth = (int)MathF.Min(frame.Width, MathF.Round(width + (overlap * frame.Width)));
        for (var c = 0; c < columns; c++)
        {
            var x0 = (int)MathF.Round(c == 0 ? 0 : c == columns - 1 ? frame.Width - tileWidth : (c * width) - ((tileWidth - width) / 2));
            using var tile = new Mat(frame, new Rect(x0, 0, tileWidth, frame.Height)).Clone();
            ticks += _inner.Detect(tile, scoreThreshold, _tile);
            var (fx, fw) = (x0 / (float)frame.Width, tileWidth / (float)frame.Width);
            foreach (var d in _tile)
            {
                var cutLeft = c > 0 && d.Box.X < 0.005f;
                var cutRight = c < columns - 1 && d.Box.Right > 0.995f;
                if (!cutLeft && !cutRight)
                {
                    results.Add(d with { Box = new NormBox(fx + (d.Box.X * fw), d.Box.Y, d.Box.Width * fw, d.Box.Height) });
                }
            }
        }

        Nms.Apply(results, nmsIou);
        return ticks;
    }

    public void Dispose() => _inner.Dispose();
}
