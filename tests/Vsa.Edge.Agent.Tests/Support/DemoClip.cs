using OpenCvSharp;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>Frames of the demo clip, read with OpenCV.</summary>
public static class DemoClip
{
    /// <summary>Frame <paramref name="index"/> of vtest.avi (768 × 576 BGR).</summary>
    public static Mat ReadFrame(int index)
    {
        using var capture = new VideoCapture(TestAssets.DemoClip);
        Assert.True(capture.IsOpened(), $"OpenCV cannot open {TestAssets.DemoClip}");
        capture.Set(VideoCaptureProperties.PosFrames, index);
        var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty())
        {
            frame.Dispose();
            Assert.Fail($"frame {index} of the demo clip could not be read");
        }

        return frame;
    }
}
