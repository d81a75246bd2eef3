using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;

namespace Vsa.Edge.Agent.Pose;

/// <summary>
/// Runs MoveNet on one person: a square crop centred on the box, padded on each side, sampled (bilinear) straight from
/// the frame into the int32 RGB input — black where the square leaves the frame — then turned into the lying score the
/// person-down rule reads (<see cref="PoseScoring.FromMoveNet"/>). MoveNet finds few keypoints on a body lying across
/// the image (on the demo clip's walker turned a quarter, no shoulder or hip scored 0.3), so a box wider than tall is
/// also sampled turned a quarter each way, which shows the model an upright body if one lies there; the orientation
/// whose shoulders and hips score best wins and its keypoints are turned back before scoring. The crop is square and
/// scaled uniformly, so angles in it are angles in the frame. Keypoints stay in this object's buffers and are never
/// handed out except, mapped back to the frame, to tests and to model validation on a package's own frames (the packing
/// machine and the device's validation set; LEGAL.md #3, #4: no body data of a camera leaves the pose pass, and nothing
/// identifies anyone). Allocates nothing per crop.
/// </summary>
public sealed class PoseEstimator : IDisposable
{
    private readonly PoseModel _model;
    private readonly int _size;
    private readonly int[] _input;
    private readonly float[] _output = new float[PoseModel.Keypoints * 3];
    private readonly float[] _keypoints = new float[PoseModel.Keypoints * 3];
    private readonly float[] _best = new float[PoseModel.Keypoints * 3];
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private double _cropX;
    private double _cropY;
    private double _cropSide;
    private int _frameWidth;
    private int _frameHeight;

    internal PoseEstimator(PoseModel model)
    {
        _model = model;
        _size = model.InputSize;
        _input = new int[_size * _size * 3];
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, _size, _size, 3]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [1, 1, PoseModel.Keypoints, 3]);
        _binding = model.Session.CreateIoBinding();
        _binding.BindInput(model.InputName, _inputValue);
        _binding.BindOutput(model.OutputName, _outputValue);
    }

    /// <summary>How the crop is turned before the model sees it.</summary>
    internal enum Orientation
    {
        /// <summary>As in the frame.</summary>
        Upright,

        /// <summary>Turned a quarter clockwise (like <c>Cv2.Rotate(…, Rotate90Clockwise)</c>).</summary>
        Clockwise,

        /// <summary>Turned a quarter counter-clockwise.</summary>
        CounterClockwise,
    }

    /// <summary>The model this estimator runs.</summary>
    public PoseModel Model => _model;

    /// <summary>Model runs so far (one per orientation tried).</summary>
    public long Runs { get; private set; }

    /// <summary>Estimates the pose of the person in <paramref name="box"/> (frame-normalised) of an 8-bit BGR frame.</summary>
    public PoseEvidence Estimate(Mat frame, in NormBox box, int trackId)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Empty() || frame.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException("Expected a non-empty 8-bit 3-channel BGR frame.", nameof(frame));
        }

        (_frameWidth, _frameHeight) = (frame.Cols, frame.Rows);
        var (bw, bh) = (box.Width * (double)_frameWidth, box.Height * (double)_frameHeight);
        var side = Math.Max(8, Math.Max(bw, bh) * (1 + (2 * _model.Options.CropPadding)));
        _cropSide = side;
        _cropX = (box.X * (double)_frameWidth) + (bw / 2) - (side / 2);
        _cropY = (box.Y * (double)_frameHeight) + (bh / 2) - (side / 2);

        var best = Run(frame, Orientation.Upright, trackId, side);
        _keypoints.CopyTo(_best, 0);
        if (bw > bh)
        {
            foreach (var turn in (ReadOnlySpan<Orientation>)[Orientation.Clockwise, Orientation.CounterClockwise])
            {
                var evidence = Run(frame, turn, trackId, side);
                if (evidence.Confidence > best.Confidence)
                {
                    best = evidence;
                    _keypoints.CopyTo(_best, 0);
                }
            }
        }

        return best;
    }

    /// <summary>Keypoint <paramref name="index"/> of the last estimate, frame-normalised, with its score (tests and model validation only).</summary>
    internal (double X, double Y, float Score) Keypoint(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, PoseModel.Keypoints);
        var (y, x, score) = (_best[index * 3], _best[(index * 3) + 1], _best[(index * 3) + 2]);
        return ((_cropX + (x * _cropSide)) / _frameWidth, (_cropY + (y * _cropSide)) / _frameHeight, score);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _binding.Dispose();
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
    }

    // One model run on the crop turned as asked; keypoints turned back into crop coordinates in _keypoints.
    private PoseEvidence Run(Mat frame, Orientation orientation, int trackId, double side)
    {
        FillInput(frame, orientation);
        _model.Session.RunWithBinding(_runOptions, _binding);
        Runs++;
        for (var k = 0; k < PoseModel.Keypoints; k++)
        {
            var (y, x) = (_output[k * 3], _output[(k * 3) + 1]);
            var (cx, cy) = ToCrop(orientation, x, y);
            (_keypoints[k * 3], _keypoints[(k * 3) + 1], _keypoints[(k * 3) + 2]) = ((float)cy, (float)cx, _output[(k * 3) + 2]);
        }

        return PoseScoring.FromMoveNet(trackId, _keypoints, side, side, _model.Options.MinKeypointScore);
    }

    // Where a point of the model's view (x, y in 0–1) lies in the crop (0–1). A clockwise quarter turn shows crop point
    // (x, y) at (1 - y, x); so the view's (x, y) is the crop's (y, 1 - x). Counter-clockwise is the inverse.
    private static (double X, double Y) ToCrop(Orientation orientation, double x, double y) => orientation switch
    {
        Orientation.Clockwise => (y, 1 - x),
        Orientation.CounterClockwise => (1 - y, x),
        _ => (x, y),
    };

    // Bilinear sampling of the (turned) square crop into the NHWC int32 RGB tensor; outside the frame stays black (0).
    private unsafe void FillInput(Mat frame, Orientation orientation)
    {
        var (w, h) = (_frameWidth, _frameHeight);
        var data = (byte*)frame.Data;
        var step = (long)frame.Step();
        fixed (int* tensor = _input)
        {
            for (var v = 0; v < _size; v++)
            {
                var dst = tensor + (v * _size * 3);
                for (var u = 0; u < _size; u++)
                {
                    var o = u * 3;
                    var (a, b) = ToCrop(orientation, (u + 0.5) / _size, (v + 0.5) / _size);
                    var sx = _cropX + (a * _cropSide) - 0.5;
                    var sy = _cropY + (b * _cropSide) - 0.5;
                    if (sx < -0.5 || sx > w - 0.5 || sy < -0.5 || sy > h - 0.5)
                    {
                        dst[o] = dst[o + 1] = dst[o + 2] = 0;
                        continue;
                    }

                    var (ix, iy) = ((int)Math.Floor(sx), (int)Math.Floor(sy));
                    var (fx, fy) = ((float)(sx - ix), (float)(sy - iy));
                    var row0 = data + (Math.Clamp(iy, 0, h - 1) * step);
                    var row1 = data + (Math.Clamp(iy + 1, 0, h - 1) * step);
                    var x0 = Math.Clamp(ix, 0, w - 1) * 3;
                    var x1 = Math.Clamp(ix + 1, 0, w - 1) * 3;
                    var (p, q, r, s) = ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy);

                    // OpenCV pixels are B, G, R; MoveNet wants R, G, B.
                    for (var ch = 0; ch < 3; ch++)
                    {
                        var value = (p * row0[x0 + ch]) + (q * row0[x1 + ch]) + (r * row1[x0 + ch]) + (s * row1[x1 + ch]);
                        dst[o + 2 - ch] = (int)(value + 0.5f);
                    }
                }
            }
        }

        GC.KeepAlive(frame);
    }
}
