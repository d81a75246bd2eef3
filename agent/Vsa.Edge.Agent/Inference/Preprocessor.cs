using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Inference;

/// <summary>
/// Turns a BGR frame into the model's float input tensor: resize (stretch or letterbox, per manifest) into a reused
/// Mat, then one tight pass over its bytes that reorders channels and applies <c>(v − mean) × (1/std)</c>.
/// Steady state allocates nothing.
/// </summary>
public sealed class Preprocessor : IDisposable
{
    /// <summary>Raw pixel value of letterbox padding (the usual neutral grey), normalised like any pixel.</summary>
    public const byte PadValue = 114;

    private readonly int _width;
    private readonly int _height;
    private readonly bool _nchw;
    private readonly bool _letterbox;
    private readonly int _src0;
    private readonly int _src1;
    private readonly int _src2;
    private readonly float _mean0;
    private readonly float _mean1;
    private readonly float _mean2;
    private readonly float _k0;
    private readonly float _k1;
    private readonly float _k2;
    private readonly Mat _resized = new();
    private readonly MatResizer _resizer;

    public Preprocessor(ModelInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Mean.Count != 3 || input.Std.Count != 3)
        {
            throw new ArgumentException("The model input needs three means and three standard deviations.", nameof(input));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input.Width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input.Height);
        _width = input.Width;
        _height = input.Height;
        _nchw = input.Layout == TensorLayout.Nchw;
        _letterbox = input.Resize == ResizeMode.Letterbox;

        // Tensor channel c reads byte _src{c} of an OpenCV BGR pixel.
        (_src0, _src1, _src2) = input.ColorOrder == ColorOrder.Bgr ? (0, 1, 2) : (2, 1, 0);
        (_mean0, _mean1, _mean2) = (input.Mean[0], input.Mean[1], input.Mean[2]);
        (_k0, _k1, _k2) = (Reciprocal(input.Std[0]), Reciprocal(input.Std[1]), Reciprocal(input.Std[2]));
        _resizer = new MatResizer(_resized);
    }

    /// <summary>Number of floats in the input tensor (3 × width × height).</summary>
    public int TensorLength => 3 * _width * _height;

    /// <summary>Writes <paramref name="frame"/> (8-bit BGR) into <paramref name="tensor"/> and returns how the frame maps onto the input.</summary>
    public InputTransform Process(Mat frame, Span<float> tensor)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Empty() || frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException("Expected a non-empty 8-bit 3-channel BGR frame.", nameof(frame));
        }

        if (tensor.Length < TensorLength)
        {
            throw new ArgumentException($"The tensor holds {tensor.Length} floats; the model needs {TensorLength}.", nameof(tensor));
        }

        var frameW = frame.Cols;
        var frameH = frame.Rows;
        var transform = _letterbox
            ? InputTransform.Letterbox(frameW, frameH, _width, _height)
            : InputTransform.Stretch(frameW, frameH, _width, _height);
        var (contentW, contentH) = _letterbox ? transform.ContentSize : (_width, _height);
        var padX = (int)transform.PadX;
        var padY = (int)transform.PadY;

        Mat source;
        if (contentW == frameW && contentH == frameH)
        {
            source = frame;
        }
        else
        {
            _resizer.Resize(frame, contentW, contentH);
            source = _resized;
        }

        if (contentW != _width || contentH != _height)
        {
            FillPadding(tensor);
        }

        Normalise(source, contentW, contentH, padX, padY, tensor);
        return transform;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _resizer.Dispose();
        _resized.Dispose();
    }

    private unsafe void Normalise(Mat source, int contentW, int contentH, int padX, int padY, Span<float> tensor)
    {
        var pixels = (byte*)source.Data;
        var step = (long)source.Step();
        var plane = _width * _height;
        var (s0, s1, s2) = (_src0, _src1, _src2);
        var (m0, m1, m2) = (_mean0, _mean1, _mean2);
        var (k0, k1, k2) = (_k0, _k1, _k2);
        fixed (float* t = tensor)
        {
            for (var y = 0; y < contentH; y++)
            {
                var row = pixels + (y * step);
                if (_nchw)
                {
                    var d0 = t + ((y + padY) * _width) + padX;
                    var d1 = d0 + plane;
                    var d2 = d1 + plane;
                    for (var x = 0; x < contentW; x++)
                    {
                        var px = row + (x * 3);
                        d0[x] = (px[s0] - m0) * k0;
                        d1[x] = (px[s1] - m1) * k1;
                        d2[x] = (px[s2] - m2) * k2;
                    }
                }
                else
                {
                    var d = t + ((((y + padY) * _width) + padX) * 3);
                    for (var x = 0; x < contentW; x++)
                    {
                        var px = row + (x * 3);
                        var o = x * 3;
                        d[o] = (px[s0] - m0) * k0;
                        d[o + 1] = (px[s1] - m1) * k1;
                        d[o + 2] = (px[s2] - m2) * k2;
                    }
                }
            }
        }

        GC.KeepAlive(source);
    }

    private void FillPadding(Span<float> tensor)
    {
        // The whole input is set to the padding colour, then the content overwrites its part: simpler than filling
        // the borders only, and a fill of 0.5 M floats costs a few tens of microseconds.
        var p0 = (PadValue - _mean0) * _k0;
        var p1 = (PadValue - _mean1) * _k1;
        var p2 = (PadValue - _mean2) * _k2;
        var plane = _width * _height;
        if (_nchw)
        {
            tensor[..plane].Fill(p0);
            tensor.Slice(plane, plane).Fill(p1);
            tensor.Slice(2 * plane, plane).Fill(p2);
            return;
        }

        for (var i = 0; i < 3 * plane; i += 3)
        {
            tensor[i] = p0;
            tensor[i + 1] = p1;
            tensor[i + 2] = p2;
        }
    }

    private static float Reciprocal(float std) =>
        std > 0f && float.IsFinite(std) ? 1f / std : throw new ArgumentException($"Standard deviation {std} must be positive.", nameof(std));
}
