using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;

namespace Vsa.Edge.Benchmarks.Counting;

/// <summary>
/// The package's other COCO detector, converted by our tool (<c>vsa-model convert --graph centernet.json</c>): MobileNetV3
/// CenterNet, RGB 0–255 NHWC 512 × 512 in, <c>[1, 100, 6]</c> out (x0, y0, x1, y1 in input pixels, score, COCO class,
/// peaks already picked in the graph). Bench-only: the agent has no decoder for it.
/// </summary>
public sealed class CenterNetDetector : IFrameDetector, IDisposable
{
    private const int Size = 512;
    private readonly InferenceSession _session;
    private readonly float[] _input = new float[Size * Size * 3];
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly Mat _resized = new();
    private readonly RunOptions _runOptions = new();

    public CenterNetDetector(string onnxPath, int intraOpThreads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads };
        _session = new InferenceSession(onnxPath, options);
        _inputName = _session.InputNames[0];
        _outputName = _session.OutputMetadata.First(m => m.Value.Dimensions is [_, 100, 6]).Key;
    }

    public long Detect(Mat frame, float scoreThreshold, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(results);
        results.Clear();
        Cv2.Resize(frame, _resized, new Size(Size, Size), interpolation: InterpolationFlags.Linear);
        var i = 0;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var bgr = _resized.At<Vec3b>(y, x);
                _input[i++] = bgr.Item2;
                _input[i++] = bgr.Item1;
                _input[i++] = bgr.Item0;
            }
        }

        using var input = OrtValue.CreateTensorValueFromMemory(_input, [1, Size, Size, 3]);
        var started = Stopwatch.GetTimestamp();
        using var outputs = _session.Run(_runOptions, [_inputName], [input], [_outputName]);
        var ticks = Stopwatch.GetTimestamp() - started;
        var d = outputs[0].GetTensorDataAsSpan<float>();
        for (var k = 0; k + 5 < d.Length; k += 6)
        {
            if (d[k + 4] >= scoreThreshold)
            {
                var box = NormBox.FromCorners(Math.Clamp(d[k] / Size, 0, 1), Math.Clamp(d[k + 1] / Size, 0, 1), Math.Clamp(d[k + 2] / Size, 0, 1), Math.Clamp(d[k + 3] / Size, 0, 1));
                results.Add(new Detection(box, (int)d[k + 5], d[k + 4]));
            }
        }

        return ticks;
    }

    public void Dispose()
    {
        _session.Dispose();
        _resized.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>Two detectors on the same frame, their boxes pooled and one class-wise NMS over both.</summary>
public sealed class Fused(IFrameDetector first, IFrameDetector second, float nmsIou) : IFrameDetector
{
    private readonly List<Detection> _second = new(256);

    public long Detect(Mat frame, float scoreThreshold, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var ticks = first.Detect(frame, scoreThreshold, results) + second.Detect(frame, scoreThreshold, _second);
        results.AddRange(_second);
        Nms.Apply(results, nmsIou);
        return ticks;
    }
}
