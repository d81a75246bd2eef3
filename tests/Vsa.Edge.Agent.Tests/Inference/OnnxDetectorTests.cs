using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Inference;

public sealed class OnnxDetectorTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    [Fact]
    public void PreprocessAndRun_SteadyState_AllocateNothing()
    {
        using var detector = fixture.Model.CreateDetector();
        using var buffers = detector.CreateBuffers();
        using var frame = FirstFrame();
        for (var i = 0; i < 3; i++)
        {
            detector.Preprocess(frame, buffers);
            detector.Run(buffers);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            detector.Preprocess(frame, buffers);
            detector.Run(buffers);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Run_SeparateBufferSets_HoldTheirOwnOutputs()
    {
        using var detector = fixture.Model.CreateDetector();
        using var first = detector.CreateBuffers();
        using var second = detector.CreateBuffers();
        using var frame = FirstFrame();
        using var black = new Mat(frame.Rows, frame.Cols, MatType.CV_8UC3, Scalar.All(0));
        var onFrame = new List<Detection>();
        var onBlack = new List<Detection>();

        detector.Preprocess(frame, first);
        detector.Run(first);
        detector.Preprocess(black, second);
        detector.Run(second);
        detector.Decode(first, 0.5f, onFrame);
        detector.Decode(second, 0.5f, onBlack);

        Assert.True(onFrame.Count >= 3, $"the first clip frame shows three people; {onFrame.Count} detections");
        Assert.Empty(onBlack);
    }

    private static Mat FirstFrame()
    {
        using var capture = new VideoCapture(TestAssets.DemoClip);
        var frame = new Mat();
        Assert.True(capture.Read(frame));
        return frame;
    }
}
