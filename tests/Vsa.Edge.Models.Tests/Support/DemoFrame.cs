using OpenCvSharp;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Models.Tests.Support;

/// <summary>A real frame of the demo clip turned into the model's input tensor as the manifest describes it.</summary>
public static class DemoFrame
{
    /// <summary>Reads frame <paramref name="index"/> of the clip and returns it as a float32 NCHW tensor.</summary>
    public static float[] ToTensor(string clipPath, int index, ModelInput input)
    {
        using var capture = new VideoCapture(clipPath);
        Assert.True(capture.IsOpened(), $"OpenCV cannot open {clipPath}");
        capture.Set(VideoCaptureProperties.PosFrames, index);
        using var frame = new Mat();
        Assert.True(capture.Read(frame) && !frame.Empty(), $"frame {index} of {clipPath} could not be read");
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
}
