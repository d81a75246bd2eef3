using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Inference;

public sealed class PreprocessorTests
{
    private static readonly float[] Mean = [103.53f, 116.28f, 123.675f];
    private static readonly float[] Std = [57.375f, 57.12f, 58.395f];

    [Theory]
    [InlineData(ColorOrder.Bgr, TensorLayout.Nchw)]
    [InlineData(ColorOrder.Rgb, TensorLayout.Nchw)]
    [InlineData(ColorOrder.Bgr, TensorLayout.Nhwc)]
    public void Process_Stretch_MatchesPerPixelReference(ColorOrder order, TensorLayout layout)
    {
        var input = Input(64, 48, order, layout, ResizeMode.Stretch);
        using var frame = RandomFrame(97, 71, seed: 1);
        using var pre = new Preprocessor(input);
        var tensor = new float[pre.TensorLength];

        var transform = pre.Process(frame, tensor);

        Assert.Equal(InputTransform.Stretch(97, 71, 64, 48), transform);
        AssertMatchesReference(frame, input, transform, tensor);
    }

    [Theory]
    [InlineData(160, 90)]
    [InlineData(60, 100)]
    public void Process_Letterbox_MatchesPerPixelReference(int frameW, int frameH)
    {
        var input = Input(64, 64, ColorOrder.Rgb, TensorLayout.Nchw, ResizeMode.Letterbox);
        using var frame = RandomFrame(frameW, frameH, seed: 2);
        using var pre = new Preprocessor(input);
        var tensor = new float[pre.TensorLength];
        Array.Fill(tensor, float.NaN);

        var transform = pre.Process(frame, tensor);

        Assert.Equal(InputTransform.Letterbox(frameW, frameH, 64, 64), transform);
        Assert.True(transform.PadX > 0 || transform.PadY > 0, "the test frame must need padding");
        AssertMatchesReference(frame, input, transform, tensor);
    }

    [Fact]
    public void Process_FrameAlreadyAtInputSize_UsesPixelsWithoutResizing()
    {
        var input = Input(32, 32, ColorOrder.Bgr, TensorLayout.Nchw, ResizeMode.Stretch);
        using var frame = RandomFrame(32, 32, seed: 3);
        using var pre = new Preprocessor(input);
        var tensor = new float[pre.TensorLength];

        var transform = pre.Process(frame, tensor);

        AssertMatchesReference(frame, input, transform, tensor);
    }

    [Theory]
    [InlineData(ResizeMode.Stretch)]
    [InlineData(ResizeMode.Letterbox)]
    public void Process_SteadyState_AllocatesNothing(ResizeMode mode)
    {
        var input = Input(416, 416, ColorOrder.Bgr, TensorLayout.Nchw, mode);
        using var frame = RandomFrame(768, 576, seed: 4);
        using var pre = new Preprocessor(input);
        var tensor = new float[pre.TensorLength];
        for (var i = 0; i < 5; i++)
        {
            pre.Process(frame, tensor);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            pre.Process(frame, tensor);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Process_GreyFrame_IsRejected()
    {
        using var pre = new Preprocessor(Input(32, 32, ColorOrder.Bgr, TensorLayout.Nchw, ResizeMode.Stretch));
        using var grey = new Mat(32, 32, MatType.CV_8UC1, Scalar.All(10));

        Assert.Throws<ArgumentException>(() => pre.Process(grey, new float[pre.TensorLength]));
    }

    private static ModelInput Input(int w, int h, ColorOrder order, TensorLayout layout, ResizeMode resize) =>
        new("input", layout, w, h, order, Mean, Std, resize);

    private static Mat RandomFrame(int w, int h, int seed)
    {
        var bytes = new byte[w * h * 3];
        new Random(seed).NextBytes(bytes);
        var mat = new Mat(h, w, MatType.CV_8UC3);
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, mat.Data, bytes.Length);
        return mat;
    }

    // The slow, obvious way: resize the frame the same way (OpenCV bilinear to the content size), then for every
    // tensor element find its pixel and channel and apply (v − mean) / std; padding is the grey PadValue.
    private static void AssertMatchesReference(Mat frame, ModelInput input, InputTransform t, float[] tensor)
    {
        var contentW = (int)Math.Round(frame.Cols * (double)t.ScaleX);
        var contentH = (int)Math.Round(frame.Rows * (double)t.ScaleY);
        using var resized = new Mat();
        Cv2.Resize(frame, resized, new Size(contentW, contentH), 0, 0, InterpolationFlags.Linear);
        var padX = (int)t.PadX;
        var padY = (int)t.PadY;
        Assert.Equal(3 * input.Width * input.Height, tensor.Length);
        for (var c = 0; c < 3; c++)
        {
            var bgrIndex = input.ColorOrder == ColorOrder.Bgr ? c : 2 - c;
            for (var y = 0; y < input.Height; y++)
            {
                for (var x = 0; x < input.Width; x++)
                {
                    var inside = x >= padX && x < padX + contentW && y >= padY && y < padY + contentH;
                    double raw = inside ? resized.At<Vec3b>(y - padY, x - padX)[bgrIndex] : Preprocessor.PadValue;
                    var expected = (raw - input.Mean[c]) / input.Std[c];
                    var index = input.Layout == TensorLayout.Nchw
                        ? (c * input.Width * input.Height) + (y * input.Width) + x
                        : (((y * input.Width) + x) * 3) + c;
                    var actual = tensor[index];
                    if (Math.Abs(actual - expected) > 1e-4)
                    {
                        Assert.Fail($"tensor[c={c}, y={y}, x={x}] = {actual}, expected {expected} (inside={inside})");
                    }
                }
            }
        }
    }
}
