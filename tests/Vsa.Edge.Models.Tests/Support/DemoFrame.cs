using OpenCvSharp;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Models.Tests.Support;

/// <summary>A real frame of the demo clip turned into the model's input tensor as the manifest describes it.</summary>
public static class DemoFrame
{
    /// <summary>Reads frame <paramref name="index"/> of the clip and returns it as a float32 NCHW tensor.</summary>
    public static float[] ToTensor(string clipPath, int index, ModelInput input)
    {
        using var frame = Read(clipPath, index);
        Assert.Equal(TensorLayout.Nchw, input.Layout);
        Assert.Equal(ResizeMode.Stretch, input.Resize);

        using var resized = new Mat();
        Cv2.Resize(frame, resized, new Size(input.Width, input.Height), 0, 0, InterpolationFlags.Linear);
        var plane = input.Width * input.Height;
        var tensor = new float[3 * plane];
        // OpenCV gives BGR; channel c of the tensor is the manifest's c-th colour.
        int[] source = input.ColorOrder == ColorOrder.Bgr ? [0, 1, 2] : [2, 1, 0];
        for (var y = 0; y < input.Height; y++)
        {
            for (var x = 0; x < input.Width; x++)
            {
                var pixel = resized.At<Vec3b>(y, x);
                for (var c = 0; c < 3; c++)
                {
                    tensor[(c * plane) + (y * input.Width) + x] = (pixel[source[c]] - input.Mean[c]) / input.Std[c];
                }
            }
        }

        return tensor;
    }

    /// <summary>
    /// Cuts <paramref name="crop"/> (frame pixels) out of frame <paramref name="index"/>, resizes it to
    /// <paramref name="size"/>² and returns it as int32 NHWC RGB 0–255 (MoveNet's input).
    /// </summary>
    public static int[] CropToInt32Rgb(string clipPath, int index, Rect crop, int size)
    {
        using var frame = Read(clipPath, index);
        using var region = new Mat(frame, crop);
        using var resized = new Mat();
        Cv2.Resize(region, resized, new Size(size, size), 0, 0, InterpolationFlags.Linear);
        var tensor = new int[size * size * 3];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var pixel = resized.At<Vec3b>(y, x);
                var at = ((y * size) + x) * 3;
                // OpenCV gives BGR; the model wants RGB.
                (tensor[at], tensor[at + 1], tensor[at + 2]) = (pixel.Item2, pixel.Item1, pixel.Item0);
            }
        }

        return tensor;
    }

    private static Mat Read(string clipPath, int index)
    {
        using var capture = new VideoCapture(clipPath);
        Assert.True(capture.IsOpened(), $"OpenCV cannot open {clipPath}");
        capture.Set(VideoCaptureProperties.PosFrames, index);
        var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty())
        {
            frame.Dispose();
            Assert.Fail($"frame {index} of {clipPath} could not be read");
        }

        return frame;
    }
}
