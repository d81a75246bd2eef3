using System.Text.Json;
using Vsa.Edge.FleetManager.DeviceConfigs;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>Camera documents shown to readers who may not see the cameras' credentials (the masking rule itself: SourceSecretsTests).</summary>
public sealed class CameraSecretMaskingTests
{
    [Fact]
    public void RedactSource_PasswordHoldingAt_WholePasswordHidden()
    {
        var camera = JsonDocument.Parse("""{"cameraId":"cam-1","source":"rtsp://admin:p@ss@cam/s"}""").RootElement;

        var redacted = CameraLayoutReader.RedactSource(camera);

        Assert.Equal("rtsp://admin:***@cam/s", redacted.GetProperty("source").GetString());
    }
}
