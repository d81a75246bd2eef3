namespace Vsa.Edge.Agent.Core.Detection;

/// <summary>
/// NanoDet generalised-focal-loss head: per stride, class scores <c>[1, N, C]</c> (sigmoid already applied in the graph)
/// and box distributions <c>[1, N, 4·(RegMax+1)]</c> over left, top, right, bottom. Outputs are chosen by shape, never by
/// name, because the converted graph's output names and order are not stable.
/// </summary>
/// <remarks>
/// Every class at or above the threshold yields a candidate, as in NanoDet's own multi-class NMS post-processing.
/// Decoding allocates nothing: the shape matching uses two small arrays sized in the constructor.
/// </remarks>
public sealed class NanoDetDecoder : IDetectionDecoder
{
    private readonly int[] _strides;
    private readonly int[] _gridWidths;
    private readonly int[] _cellCounts;
    private readonly int _bins;
    private readonly int _classCount;
    private readonly int[] _scoreIndex;
    private readonly int[] _boxIndex;

    /// <summary>Creates a decoder for a model with the given input size, strides, largest bin index and class count.</summary>
    public NanoDetDecoder(int inputWidth, int inputHeight, IReadOnlyList<int> strides, int regMax, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputHeight);
        ArgumentNullException.ThrowIfNull(strides);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(regMax);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (strides.Count == 0)
        {
            throw new ArgumentException("NanoDet needs at least one stride.", nameof(strides));
        }

        _bins = regMax + 1;
        if (classCount == 4 * _bins)
        {
            // Scores and distributions would have the same shape: choosing by shape would be a guess.
            throw new ArgumentException($"{classCount} classes is ambiguous with 4×{_bins} distribution bins.", nameof(classCount));
        }

        _classCount = classCount;
        _strides = new int[strides.Count];
        _gridWidths = new int[strides.Count];
        _cellCounts = new int[strides.Count];
        for (var i = 0; i < _strides.Length; i++)
        {
            var s = strides[i];
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(s, nameof(strides));
            _strides[i] = s;
            _gridWidths[i] = (inputWidth + s - 1) / s;
            _cellCounts[i] = _gridWidths[i] * ((inputHeight + s - 1) / s);
        }

        _scoreIndex = new int[_strides.Length];
        _boxIndex = new int[_strides.Length];
    }

    /// <inheritdoc />
    public void Decode(IReadOnlyList<OutputTensor> outputs, in InputTransform transform, float scoreThreshold, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(results);
        MatchOutputs(outputs);
        for (var level = 0; level < _strides.Length; level++)
        {
            DecodeLevel(outputs[_scoreIndex[level]].Data, outputs[_boxIndex[level]].Data, level, transform, scoreThreshold, results);
        }
    }

    private void DecodeLevel(float[] scores, float[] dists, int level, in InputTransform transform, float threshold, List<Detection> results)
    {
        var stride = _strides[level];
        var gridW = _gridWidths[level];
        var cells = _cellCounts[level];
        var distStride = 4 * _bins;
        for (var cell = 0; cell < cells; cell++)
        {
            var row = scores.AsSpan(cell * _classCount, _classCount);
            var any = false;
            for (var c = 0; c < row.Length; c++)
            {
                if (row[c] >= threshold)
                {
                    any = true;
                    break;
                }
            }

            if (!any)
            {
                continue;
            }

            var dist = dists.AsSpan(cell * distStride, distStride);
            var left = ExpectedBin(dist[.._bins]) * stride;
            var top = ExpectedBin(dist.Slice(_bins, _bins)) * stride;
            var right = ExpectedBin(dist.Slice(2 * _bins, _bins)) * stride;
            var bottom = ExpectedBin(dist.Slice(3 * _bins, _bins)) * stride;
            var cx = ((cell % gridW) + 0.5f) * stride;
            var cy = ((cell / gridW) + 0.5f) * stride;
            var box = transform.ToFrame(cx - left, cy - top, cx + right, cy + bottom);
            if (box.Width <= 0f || box.Height <= 0f)
            {
                continue; // entirely in the letterbox padding
            }

            for (var c = 0; c < row.Length; c++)
            {
                if (row[c] >= threshold)
                {
                    results.Add(new Detection(box, c, row[c]));
                }
            }
        }
    }

    /// <summary>Softmax over the bins, then the expected bin index Σ k·p_k.</summary>
    internal static float ExpectedBin(ReadOnlySpan<float> logits)
    {
        var max = float.NegativeInfinity;
        for (var k = 0; k < logits.Length; k++)
        {
            max = MathF.Max(max, logits[k]);
        }

        float sum = 0f, weighted = 0f;
        for (var k = 0; k < logits.Length; k++)
        {
            var e = MathF.Exp(logits[k] - max);
            sum += e;
            weighted += k * e;
        }

        return weighted / sum;
    }

    private void MatchOutputs(IReadOnlyList<OutputTensor> outputs)
    {
        var distWidth = 4 * _bins;
        for (var level = 0; level < _strides.Length; level++)
        {
            _scoreIndex[level] = -1;
            _boxIndex[level] = -1;
            for (var i = 0; i < outputs.Count; i++)
            {
                var shape = outputs[i].Shape;
                if (shape.Length != 3 || shape[0] != 1 || shape[1] != _cellCounts[level])
                {
                    continue;
                }

                if (shape[2] == _classCount)
                {
                    _scoreIndex[level] = i;
                }
                else if (shape[2] == distWidth)
                {
                    _boxIndex[level] = i;
                }
            }

            if (_scoreIndex[level] < 0 || _boxIndex[level] < 0)
            {
                throw new InvalidOperationException(
                    $"NanoDet outputs for stride {_strides[level]} not found: expected [1,{_cellCounts[level]},{_classCount}] and [1,{_cellCounts[level]},{distWidth}].");
            }
        }
    }
}
