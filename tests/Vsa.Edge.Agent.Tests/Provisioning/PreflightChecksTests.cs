using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Agent.Tests.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Provisioning;

public sealed class PreflightChecksTests
{
    private const string ChronySynchronised = """
        Reference ID    : C0A80101 (ntp.prefecture.local)
        Stratum         : 3
        Ref time (UTC)  : Mon Dec 07 10:59:12 2026
        System time     : 0.000012345 seconds fast of NTP time
        Leap status     : Normal
        """;

    [Fact]
    public void Board_JetsonOrinJetPack62_PassNamingBoth()
    {
        var check = PreflightChecks.Board(BoardInfo.Detect(FakeHostFiles.Jetson("NVIDIA Jetson AGX Orin Developer Kit")));

        Assert.Equal(InstallationCheckStatus.Pass, check.Status);
        Assert.Equal("NVIDIA Jetson AGX Orin Developer Kit, L4T R36.4.3 (JetPack 6.2)", check.Detail);
    }

    [Theory]
    [InlineData("# R36 (release), REVISION: 9.9, GCID: 1", InstallationCheckStatus.Warn)]
    [InlineData("# R32 (release), REVISION: 7.4, GCID: 1", InstallationCheckStatus.Fail)]
    public void Board_UnknownOrOldL4t_WarnOrFailWithFix(string release, InstallationCheckStatus expected)
    {
        var files = FakeHostFiles.Jetson();
        files.Files[BoardInfo.TegraReleasePath] = release;

        var check = PreflightChecks.Board(BoardInfo.Detect(files));

        Assert.Equal(expected, check.Status);
        Assert.Contains("JetPack", check.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Board_Pc_WarnTestBenchOnly()
    {
        var check = PreflightChecks.Board(BoardInfo.Detect(new FakeHostFiles()));

        Assert.Equal(InstallationCheckStatus.Warn, check.Status);
        Assert.Contains("not a Jetson", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpu_JetsonModuleOrNvidiaSmi_PassElseWarn()
    {
        var pc = new FakeHostFiles { Tools = { ["nvidia-smi --query-gpu=name --format=csv,noheader"] = FakePreflightSystem.NvidiaSmi } };
        var jetson = FakeHostFiles.Jetson("NVIDIA Jetson Orin NX Engineering Reference Developer Kit");

        Assert.Equal((InstallationCheckStatus.Pass, "NVIDIA RTX A2000 12GB"), (PreflightChecks.Gpu(pc, BoardInfo.Detect(pc)).Status, PreflightChecks.Gpu(pc, BoardInfo.Detect(pc)).Detail));
        Assert.Equal(InstallationCheckStatus.Pass, PreflightChecks.Gpu(jetson, BoardInfo.Detect(jetson)).Status);
        Assert.Equal(InstallationCheckStatus.Warn, PreflightChecks.Gpu(new FakeHostFiles(), BoardInfo.Detect(new FakeHostFiles())).Status);
    }

    [Fact]
    public void OnnxRuntime_CpuBuildOnAJetson_WarnToPublishTheJetsonFlavour()
    {
        var jetson = BoardInfo.Detect(FakeHostFiles.Jetson());

        Assert.Equal(InstallationCheckStatus.Pass, PreflightChecks.OnnxRuntime("1.22.0", "Jetson", jetson).Status);
        var check = PreflightChecks.OnnxRuntime("1.22.0", "Cpu", jetson);
        Assert.Equal(InstallationCheckStatus.Warn, check.Status);
        Assert.Contains("-p:OrtFlavour=Jetson", check.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Providers_OnlyCpuLoads_GpuProvidersWarnCpuPasses()
    {
        var checks = PreflightChecks.Providers(["TensorRT", "CUDA", "CPU"], [new("TensorRT", false, "x"), new("CUDA", true, "libcudart.so.12: cannot open shared object file"), new("CPU", true, null)]);

        Assert.Equal(["provider.tensorrt", "provider.cuda", "provider.cpu"], checks.Select(c => c.Id));
        Assert.Equal([InstallationCheckStatus.Warn, InstallationCheckStatus.Warn, InstallationCheckStatus.Pass], checks.Select(c => c.Status));
        Assert.Contains("not in this ONNX Runtime build", checks[0].Detail, StringComparison.Ordinal);
        Assert.Contains("libcudart", checks[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Providers_NoneLoads_FailTheAgentWouldNotStart()
    {
        var checks = PreflightChecks.Providers(["TensorRT"], [new("TensorRT", true, "libnvinfer.so.10: cannot open")]);

        var fail = Assert.Single(checks, c => c.Status == InstallationCheckStatus.Fail);
        Assert.Contains("add CPU", fail.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100L << 20, InstallationCheckStatus.Fail)]
    [InlineData(1L << 30, InstallationCheckStatus.Warn)]
    [InlineData(20L << 30, InstallationCheckStatus.Pass)]
    public void Disk_ByFreeSpace_FailWarnPass(long free, InstallationCheckStatus expected) =>
        Assert.Equal(expected, PreflightChecks.Disk("disk.data", "outbox", "/var/lib/vsa-edge", free).Status);

    [Fact]
    public void Disk_Unknown_NotChecked() =>
        Assert.StartsWith("not checked", PreflightChecks.Disk("disk.data", "outbox", "/x", null).Detail, StringComparison.Ordinal);

    [Fact]
    public void Clock_TimedatectlSynchronised_PassElseFail()
    {
        var files = new FakeHostFiles { Tools = { ["timedatectl show"] = FakePreflightSystem.TimedatectlSynchronised } };
        Assert.Equal(InstallationCheckStatus.Pass, PreflightChecks.Clock(files).Status);

        files.Tools["timedatectl show"] = FakePreflightSystem.TimedatectlSynchronised.Replace("NTPSynchronized=yes", "NTPSynchronized=no", StringComparison.Ordinal);
        var check = PreflightChecks.Clock(files);
        Assert.Equal(InstallationCheckStatus.Fail, check.Status);
        Assert.Contains("timedatectl set-ntp true", check.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Clock_ChronyWithoutSystemd_ReadsLeapStatus()
    {
        var files = new FakeHostFiles { Tools = { ["chronyc tracking"] = ChronySynchronised } };
        var synced = PreflightChecks.Clock(files);
        files.Tools["chronyc tracking"] = ChronySynchronised.Replace("Leap status     : Normal", "Leap status     : Not synchronised", StringComparison.Ordinal);
        var unsynced = PreflightChecks.Clock(files);

        Assert.Equal(InstallationCheckStatus.Pass, synced.Status);
        Assert.Contains("ntp.prefecture.local", synced.Detail, StringComparison.Ordinal);
        Assert.Equal(InstallationCheckStatus.Fail, unsynced.Status);
        Assert.Contains("Not synchronised", unsynced.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Clock_NoToolAnswers_NotCheckedWarn()
    {
        var check = PreflightChecks.Clock(new FakeHostFiles());

        Assert.Equal(InstallationCheckStatus.Warn, check.Status);
        Assert.StartsWith("not checked", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeZone_FromTimedatectlElseEtcTimezone()
    {
        Assert.StartsWith("Europe/Paris", PreflightChecks.TimeZone(new FakeHostFiles { Tools = { ["timedatectl show"] = FakePreflightSystem.TimedatectlSynchronised } }).Detail, StringComparison.Ordinal);
        Assert.StartsWith("Etc/UTC", PreflightChecks.TimeZone(new FakeHostFiles { Files = { ["/etc/timezone"] = "Etc/UTC\n" } }).Detail, StringComparison.Ordinal);
        Assert.Equal(InstallationCheckStatus.Warn, PreflightChecks.TimeZone(new FakeHostFiles()).Status);
    }

    [Fact]
    public void Fleet_NoAddressUnreachableReachable_WarnFailPass()
    {
        var fleet = new Uri("https://fleet.example.org/");

        Assert.Equal(InstallationCheckStatus.Warn, PreflightChecks.Fleet(null, false, null).Status);
        var fail = PreflightChecks.Fleet(fleet, true, "Name or service not known (fleet.example.org:443)");
        Assert.Equal(InstallationCheckStatus.Fail, fail.Status);
        Assert.Contains("check the uplink", fail.Fix, StringComparison.Ordinal);
        Assert.Contains("fleet CA", PreflightChecks.Fleet(fleet, true, null).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Broker_NotConfiguredRefusedAccepted_WarnFailPass()
    {
        Assert.Equal(InstallationCheckStatus.Warn, PreflightChecks.Broker(null, false, null).Status);
        Assert.Contains("revoked", PreflightChecks.Broker("fleet:8883", true, "NotAuthorized").Fix, StringComparison.Ordinal);
        Assert.Contains("mutual TLS", PreflightChecks.Broker("fleet:8883", true, null).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpio_ChipsAndPins_PassWhenTheConfiguredChipExists()
    {
        var jetson = FakeHostFiles.Jetson();
        var wired = new GpioOptions { Chip = 0, TamperPin = 105, LedPin = 106 };

        var pass = PreflightChecks.Gpio(jetson, wired);
        var wrongChip = PreflightChecks.Gpio(jetson, new GpioOptions { Chip = 3, TamperPin = 105 });
        var noChip = PreflightChecks.Gpio(new FakeHostFiles(), wired);
        var nothing = PreflightChecks.Gpio(new FakeHostFiles(), new GpioOptions());

        Assert.Equal(InstallationCheckStatus.Pass, pass.Status);
        Assert.Contains("TamperPin, LedPin on gpiochip0", pass.Detail, StringComparison.Ordinal);
        Assert.Equal(InstallationCheckStatus.Fail, wrongChip.Status);
        Assert.Equal(InstallationCheckStatus.Fail, noChip.Status);
        Assert.Equal(InstallationCheckStatus.Warn, nothing.Status);
    }

    [Fact]
    public void Camera_OpenedFastEnough_PassWithCodecSizeAndFps()
    {
        var check = PreflightChecks.Camera("parvis", "rtsp://cam/stream", new CameraProbe(null, "H264", 1920, 1080, 25, 74, TimeSpan.FromSeconds(3)));

        Assert.Equal(InstallationCheckStatus.Pass, check.Status);
        Assert.Equal("camera.parvis", check.Id);
        Assert.Equal("H264 1920x1080, 24.7 fps measured over 3.0 s (announces 25)", check.Detail);
    }

    [Fact]
    public void Camera_SlowOrDeadOrSilent_WarnFailFail()
    {
        Assert.Equal(InstallationCheckStatus.Warn, PreflightChecks.Camera("a", "s", new CameraProbe(null, "H264", 1920, 1080, 25, 30, TimeSpan.FromSeconds(3))).Status);
        Assert.Equal(InstallationCheckStatus.Fail, PreflightChecks.Camera("a", "s", CameraProbe.Failed("cannot be opened")).Status);
        Assert.Equal(InstallationCheckStatus.Fail, PreflightChecks.Camera("a", "s", new CameraProbe(null, null, 640, 480, 25, 0, TimeSpan.FromSeconds(3))).Status);
    }
}
