using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Mqtt;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Provisioning;

public sealed class PreflightRunnerTests
{
    private static ProvisioningSettings Settings(Uri? fleet = null, MqttOptions? mqtt = null, params CameraSource[] cameras) =>
        new("pole-40", "/opt/vsa/models/nanodet", ["TensorRT", "CUDA", "CPU"], "/var/lib/vsa-edge", mqtt, new GpioOptions { TamperPin = 105 }, cameras, fleet);

    [Fact]
    public async Task RunAsync_HealthyJetsonOnline_NoWarnNoFail()
    {
        var system = FakePreflightSystem.Jetson();
        system.Cameras["rtsp://admin:secret@10.0.0.7/stream1"] = new CameraProbe(null, "H264", 1920, 1080, 25, 75, TimeSpan.FromSeconds(3));
        var progress = new RecordingProgress();

        var checks = await new PreflightRunner(system, progress).RunAsync(
            Settings(new Uri("https://fleet.example.org/"), new MqttOptions { Host = "fleet.example.org", Port = 8883 }, new CameraSource("parvis", "rtsp://admin:secret@10.0.0.7/stream1")),
            TimeSpan.FromSeconds(3),
            CancellationToken.None);

        Assert.All(checks, c => Assert.True(c.Status == InstallationCheckStatus.Pass, $"{c.Id}: {c.Status} {c.Detail}"));
        Assert.Equal(checks, progress.Done);
        Assert.Equal(7, progress.Steps.Count);
        Assert.Equal(new Uri("https://fleet.example.org/health/ready"), Assert.Single(system.HttpGets).Url);

        // The camera's password is in no line the installer sees or the report carries.
        Assert.DoesNotContain(checks, c => c.Detail.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_OfflineWithNothingConfigured_SaysWhatItCouldNotCheck()
    {
        var system = FakePreflightSystem.Jetson();

        var checks = await new PreflightRunner(system).RunAsync(Settings(), TimeSpan.FromSeconds(1), CancellationToken.None);

        var notChecked = checks.Where(c => c.Detail.StartsWith("not checked", StringComparison.Ordinal)).Select(c => c.Id).ToList();
        Assert.Equal(["fleet", "broker", "camera"], notChecked);
        Assert.DoesNotContain(checks, c => c.Status == InstallationCheckStatus.Fail);
        Assert.Empty(system.HttpGets);
    }

    [Fact]
    public async Task RunAsync_FleetAndBrokerUnreachable_FailWithFixes()
    {
        var system = FakePreflightSystem.Jetson();
        system.HttpError = "Connection refused (fleet.example.org:443)";
        system.MqttError = "Error while connecting host 'fleet.example.org:8883'";

        var checks = await new PreflightRunner(system).RunAsync(Settings(new Uri("https://fleet.example.org/"), new MqttOptions { Host = "fleet.example.org", Port = 8883 }), TimeSpan.FromSeconds(1), CancellationToken.None);

        var fails = checks.Where(c => c.Status == InstallationCheckStatus.Fail).ToList();
        Assert.Equal(["fleet", "broker"], fails.Select(c => c.Id));
        Assert.All(fails, f => Assert.False(string.IsNullOrWhiteSpace(f.Fix)));
    }

    private sealed class RecordingProgress : IStepProgress
    {
        public List<string> Steps { get; } = [];

        public List<InstallationCheck> Done { get; } = [];

        public void Begin(string step) => Steps.Add(step);

        void IStepProgress.Done(InstallationCheck check) => Done.Add(check);
    }
}
