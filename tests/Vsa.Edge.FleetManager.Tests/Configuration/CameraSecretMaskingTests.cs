using System.Text.Json;
using Vsa.Edge.FleetManager.Configuration;

namespace Vsa.Edge.FleetManager.Tests.Configuration;

/// <summary>Camera passwords masked in every form a source address takes, before readers who may not see them.</summary>
public sealed class CameraSecretMaskingTests
{
    [Theory]
    [InlineData("rtsp://admin:s3cret@cam/s", "rtsp://admin:***@cam/s")]
    [InlineData("rtsp://admin:p@ss@cam/s", "rtsp://admin:***@cam/s")]
    [InlineData("rtsp://:secret@cam/s", "rtsp://:***@cam/s")]
    [InlineData("rtsp://admin:p@ss@cam:554", "rtsp://admin:***@cam:554")]
    [InlineData("rtspsrc location=rtsp://admin:p@ss@10.0.0.12/s latency=0 ! decodebin", "rtspsrc location=rtsp://admin:***@10.0.0.12/s latency=0 ! decodebin")]
    [InlineData("rtspsrc location=rtsp://10.0.0.12/s user-id=admin user-pw=S3cret ! decodebin", "rtspsrc location=rtsp://10.0.0.12/s user-id=admin user-pw=*** ! decodebin")]
    [InlineData("souphttpsrc location=http://cam/mjpg user-id=admin passwd=S3cret ! jpegdec", "souphttpsrc location=http://cam/mjpg user-id=admin passwd=*** ! jpegdec")]
    [InlineData("src user=admin password=\"two words\" ! sink", "src user=admin password=*** ! sink")]
    [InlineData("src password = S3cret ! sink", "src password=*** ! sink")]
    [InlineData("rtsp://10.0.0.12/stream1", "rtsp://10.0.0.12/stream1")]
    public void MaskSecrets_EachForm_PasswordHiddenRestKept(string source, string expected)
    {
        Assert.Equal(expected, CameraLayoutReader.MaskSecrets(source));
    }

    [Fact]
    public void MaskSecrets_Null_StaysNull()
    {
        Assert.Null(CameraLayoutReader.MaskSecrets(null));
    }

    [Fact]
    public void RedactSource_PasswordHoldingAt_WholePasswordHidden()
    {
        var camera = JsonDocument.Parse("""{"cameraId":"cam-1","source":"rtsp://admin:p@ss@cam/s"}""").RootElement;

        var redacted = CameraLayoutReader.RedactSource(camera);

        Assert.Equal("rtsp://admin:***@cam/s", redacted.GetProperty("source").GetString());
    }
}
