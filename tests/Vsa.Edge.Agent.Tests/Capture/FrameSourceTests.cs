using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Capture;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Capture;

public sealed class FrameSourceTests
{
    [Theory]
    [InlineData("/dev/video0", FrameSourceKind.Device, 0)]
    [InlineData("2", FrameSourceKind.Device, 2)]
    [InlineData("rtsp://10.0.0.5:554/stream1", FrameSourceKind.Stream, -1)]
    [InlineData("RTSP://cam/x", FrameSourceKind.Stream, -1)]
    [InlineData("nvarguscamerasrc ! video/x-raw(memory:NVMM) ! nvvidconv ! appsink", FrameSourceKind.GStreamer, -1)]
    [InlineData("clips/entrance.mp4", FrameSourceKind.File, -1)]
    [InlineData("file:///data/clip.avi", FrameSourceKind.File, -1)]
    public void Parse_SourceString_ClassifiesIt(string source, FrameSourceKind kind, int deviceIndex)
    {
        var spec = FrameSourceSpec.Parse(source);

        Assert.Equal(kind, spec.Kind);
        Assert.Equal(deviceIndex, spec.DeviceIndex);
        Assert.Equal(kind != FrameSourceKind.File, spec.IsLive);
    }

    [Fact]
    public void Open_MissingFile_ThrowsNamingTheSource()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-clip-" + Guid.NewGuid().ToString("N") + ".avi");

        var ex = Assert.Throws<FrameSourceException>(() => OpenCvFrameSource.Open(FrameSourceSpec.Parse(path), TimeProvider.System));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FileThatIsNotAVideo_ThrowsNamingTheSource()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "this is not a video");

            var ex = Assert.Throws<FrameSourceException>(() => OpenCvFrameSource.Open(FrameSourceSpec.Parse(path), TimeProvider.System));

            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TryRead_DemoClip_StampsFramesWithTheirPositionAfterTheBaseTime()
    {
        var baseTime = new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(TestAssets.DemoClip), clock, baseTime);
        using var frame = new VideoFrame();

        Assert.Equal(768, source.Width);
        Assert.Equal(576, source.Height);
        Assert.Equal(10, source.Fps, 3);
        Assert.Equal(795, source.FrameCount);
        Assert.True(source.TryRead(frame));
        Assert.Equal(0, frame.Index);
        Assert.Equal(baseTime, frame.Timestamp);
        for (var i = 1; i < 25; i++)
        {
            Assert.True(source.TrySkip());
        }

        Assert.True(source.TryRead(frame));
        Assert.Equal(25, frame.Index);
        Assert.Equal(baseTime.AddSeconds(2.5), frame.Timestamp);
    }

    [Fact]
    public void TryRead_SameFrameBuffer_ReusesThePixelMemory()
    {
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(TestAssets.DemoClip), TimeProvider.System);
        using var frame = new VideoFrame();
        Assert.True(source.TryRead(frame));
        var pixels = frame.Image.Data;

        for (var i = 0; i < 10; i++)
        {
            Assert.True(source.TryRead(frame));
            Assert.Equal(pixels, frame.Image.Data);
        }
    }

    [Fact]
    public void TryRead_PastTheLastFrame_ReturnsFalse()
    {
        using var source = OpenCvFrameSource.Open(FrameSourceSpec.Parse(TestAssets.DemoClip), TimeProvider.System);
        using var frame = new VideoFrame();
        var frames = 0;
        while (source.TrySkip())
        {
            frames++;
        }

        Assert.Equal(source.FrameCount, frames);
        Assert.False(source.TryRead(frame));
    }
}
