using OpenCvSharp;
using Vsa.Edge.Agent.Capture;

namespace Vsa.Edge.Agent.Tests.Capture;

public sealed class SourceRoutingTests
{
    [Fact]
    public void JetsonRtsp_H264_IsTheHardwareDecodePipeline()
    {
        var pipeline = GStreamerPipeline.JetsonRtsp("rtsp://10.0.0.5:554/stream1", VideoCodec.H264, 200);

        Assert.Equal(
            "rtspsrc location=\"rtsp://10.0.0.5:554/stream1\" latency=200 ! rtph264depay ! h264parse ! nvv4l2decoder ! nvvidconv ! video/x-raw,format=BGRx ! videoconvert ! video/x-raw,format=BGR ! appsink drop=true max-buffers=1",
            pipeline);
    }

    [Fact]
    public void JetsonRtsp_H265OverTcp_UsesTheH265DepayloaderAndParser()
    {
        var pipeline = GStreamerPipeline.JetsonRtsp("rtsp://cam/s", VideoCodec.H265, 50, overTcp: true);

        Assert.StartsWith("rtspsrc location=\"rtsp://cam/s\" latency=50 protocols=tcp ! rtph265depay ! h265parse ! nvv4l2decoder ! ", pipeline, StringComparison.Ordinal);
        Assert.DoesNotContain("264", pipeline, StringComparison.Ordinal);
    }

    [Fact]
    public void JetsonRtsp_UrlWithQuotesAndBang_StaysOneQuotedValue()
    {
        var pipeline = GStreamerPipeline.JetsonRtsp("rtsp://user:p\"a!ss\\@cam/x", VideoCodec.H264, 0);

        Assert.StartsWith("rtspsrc location=\"rtsp://user:p\\\"a!ss\\\\@cam/x\" latency=0 ! ", pipeline, StringComparison.Ordinal);
    }

    [Fact]
    public void JetsonRtsp_ControlCharacterInUrl_IsRefused() =>
        Assert.Throws<ArgumentException>(() => GStreamerPipeline.JetsonRtsp("rtsp://cam/x\n! filesink location=/etc/passwd", VideoCodec.H264, 0));

    [Theory]
    [InlineData(HardwareDecode.Auto, true, true, FrameSourceKind.GStreamer)]
    [InlineData(HardwareDecode.Auto, false, true, FrameSourceKind.Stream)]
    [InlineData(HardwareDecode.Auto, true, false, FrameSourceKind.Stream)]
    [InlineData(HardwareDecode.Never, true, true, FrameSourceKind.Stream)]
    [InlineData(HardwareDecode.Always, false, false, FrameSourceKind.GStreamer)]
    public void Decide_RtspCamera_UsesTheHardwarePipelineOnlyWhenAskedAndPossible(HardwareDecode mode, bool jetson, bool gstreamer, FrameSourceKind expected)
    {
        var decision = SourceRouting.Decide(FrameSourceSpec.Parse("rtsp://cam/stream"), new CaptureOptions { HardwareDecode = mode }, jetson, () => gstreamer);

        Assert.Equal(expected, decision.Spec.Kind);
        Assert.True(decision.Spec.IsLive);
        Assert.Equal(mode == HardwareDecode.Auto && jetson && !gstreamer, decision.Note is not null);
    }

    [Theory]
    [InlineData("http://cam/mjpeg")]
    [InlineData("/dev/video0")]
    [InlineData("clip.avi")]
    public void Decide_NotRtsp_OpensAsConfiguredEvenOnAJetson(string source)
    {
        var configured = FrameSourceSpec.Parse(source);

        var decision = SourceRouting.Decide(configured, new CaptureOptions { HardwareDecode = HardwareDecode.Always }, isJetson: true, () => true);

        Assert.Same(configured, decision.Spec);
    }

    [Fact]
    public void HasGStreamer_BuildInformation_ReadsTheVideoIoLine()
    {
        const string jetpack = "  Video I/O:\n    FFMPEG:                      YES\n    GStreamer:                   YES (1.20.3)\n    v4l/v4l2:                    YES (linux/videodev2.h)\n";
        const string without = "  Video I/O:\n    FFMPEG:                      YES\n    GStreamer:                   NO\n";

        Assert.True(OpenCvBuildInfo.HasGStreamer(jetpack));
        Assert.False(OpenCvBuildInfo.HasGStreamer(without));
    }

    [Fact]
    public void HasGStreamer_OpenCvSharpOfficialRuntime_IsFalse() =>
        Assert.False(OpenCvBuildInfo.HasGStreamer(Cv2.GetBuildInformation()));

    [Fact]
    public void Redacted_SourceWithPassword_IsTheMaskedSource() =>
        Assert.Equal("rtsp://admin:***@10.0.0.5:554/h264", FrameSourceSpec.Parse("rtsp://admin:s3cret@10.0.0.5:554/h264").Redacted);
}
