namespace Vsa.Edge.Configuration.Tests;

/// <summary>Camera passwords masked in every form a source string takes (the agent's logs and reports, the fleet's answers).</summary>
public sealed class SourceSecretsTests
{
    [Theory]
    [InlineData("rtsp://admin:s3cret@10.0.0.5:554/h264", "rtsp://admin:***@10.0.0.5:554/h264")]
    [InlineData("rtsp://admin:p@ss@cam/s", "rtsp://admin:***@cam/s")]
    [InlineData("rtsp://admin:p@ss@cam:554", "rtsp://admin:***@cam:554")]
    [InlineData("rtsp://:secret@cam/s", "rtsp://:***@cam/s")]
    [InlineData("cannot open rtsp://a:b@h/1 and rtsp://c:d@h/2", "cannot open rtsp://a:***@h/1 and rtsp://c:***@h/2")]
    [InlineData("rtspsrc location=\"rtsp://u:p@cam/x\" ! appsink", "rtspsrc location=\"rtsp://u:***@cam/x\" ! appsink")]
    [InlineData("rtspsrc location=rtsp://admin:p@ss@10.0.0.12/s latency=0 ! decodebin", "rtspsrc location=rtsp://admin:***@10.0.0.12/s latency=0 ! decodebin")]
    [InlineData("rtspsrc location=rtsp://cam/s user-id=admin user-pw=S3cret ! rtph264depay ! appsink", "rtspsrc location=rtsp://cam/s user-id=admin user-pw=*** ! rtph264depay ! appsink")]
    [InlineData("souphttpsrc location=http://cam/mjpg user-id=admin passwd = \"two words\" ! appsink", "souphttpsrc location=http://cam/mjpg user-id=admin passwd=*** ! appsink")]
    [InlineData("src user=admin password=\"two words\" ! sink", "src user=admin password=*** ! sink")]
    [InlineData("src password=hunter2", "src password=***")]
    [InlineData("rtsp://10.0.0.5/h264", "rtsp://10.0.0.5/h264")]
    [InlineData("rtsp://cam:554/s", "rtsp://cam:554/s")]
    public void Mask_EachForm_PasswordHiddenRestKept(string source, string expected) =>
        Assert.Equal(expected, SourceSecrets.Mask(source));

    [Fact]
    public void Mask_Null_StaysNull() => Assert.Null(SourceSecrets.Mask(null));
}
