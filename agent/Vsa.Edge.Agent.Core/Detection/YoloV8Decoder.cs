namespace Vsa.Edge.Agent.Core.Detection;

/// <summary>
/// YOLOv8 / YOLO11 head: one output <c>[1, 4+C, N]</c>, rows cx, cy, w, h in input pixels then C class scores (no
/// objectness). The transposed export <c>[1, N, 4+C]</c> is accepted too. Each anchor yields its best class only, as
/// Ultralytics' default post-processing does.
/// </summary>
public sealed class YoloV8Decoder : IDetectionDecoder
{
    private readonly int _classCount;

    /// <summary>Creates a decoder for a model with <paramref name="classCount"/> classes.</summary>
    public YoloV8Decoder(int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        _classCount = classCount;
    }

    /// <inheritdoc />
    public void Decode(IReadOnlyList<OutputTensor> outputs, in InputTransform transform, float scoreThreshold, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(results);
        var rows = 4 + _classCount;
        for (var i = 0; i < outputs.Count; i++)
        {
            var shape = outputs[i].Shape;
            if (shape.Length != 3 || shape[0] != 1)
            {
                continue;
            }

            if (shape[1] == rows)
            {
                DecodeCore(outputs[i].Data, shape[2], channelStride: shape[2], anchorStride: 1, transform, scoreThreshold, results);
                return;
            }

            if (shape[2] == rows)
            {
                DecodeCore(outputs[i].Data, shape[1], channelStride: 1, anchorStride: rows, transform, scoreThreshold, results);
                return;
            }
        }

        throw new InvalidOperationException($"YOLOv8 output not found: expected [1,{rows},N] or [1,N,{rows}].");
    }

    private void DecodeCore(float[] data, int anchors, int channelStride, int anchorStride, in InputTransform transform, float threshold, List<Detection> results)
    {
        for (var n = 0; n < anchors; n++)
        {
            var baseIndex = n * anchorStride;
            var best = -1;
            var bestScore = threshold;
            for (var c = 0; c < _classCount; c++)
            {
                var s = data[baseIndex + ((4 + c) * channelStride)];
                if (s >= bestScore && (best < 0 || s > bestScore))
                {
                    best = c;
                    bestScore = s;
                }
            }

            if (best < 0)
            {
                continue;
            }

            var cx = data[baseIndex];
            var cy = data[baseIndex + channelStride];
            var halfW = data[baseIndex + (2 * channelStride)] / 2f;
            var halfH = data[baseIndex + (3 * channelStride)] / 2f;
            var box = transform.ToFrame(cx - halfW, cy - halfH, cx + halfW, cy + halfH);
            if (box.Width > 0f && box.Height > 0f)
            {
                results.Add(new Detection(box, best, bestScore));
            }
        }
    }
}
