using System.Text.Json;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Provisioning;

public sealed class ProvisionCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-provision-");

    /// <summary>
    /// The real preflight on this machine (no GPU, a CPU build of ONNX Runtime, no fleet listening): a coherent report — the
    /// GPU and GPU providers warn, the CPU provider passes on the real model, the demo clip decodes, the fleet and the broker
    /// fail with their fix, and the exit code says so.
    /// </summary>
    [Fact]
    public async Task Check_ThisMachineFleetDown_CoherentReportAndExitOne()
    {
        var config = WriteConfig(brokerPort: MosquittoFixture.FreeLoopbackPort());
        var json = Path.Combine(_dir.FullName, "report", "preflight.json");
        using var stdout = new StringWriter();
        var fleet = $"http://127.0.0.1:{MosquittoFixture.FreeLoopbackPort()}";

        var code = await ProvisionCommand.RunAsync(["check", "--config", config, "--fleet", fleet, "--json", json, "--camera-seconds", "1"], stdout, TextWriter.Null, colour: false, TextReader.Null);

        var report = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(json));
        var checks = report.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => (Status: c.GetProperty("status").GetString(), Detail: c.GetProperty("detail").GetString(), Fix: c.TryGetProperty("fix", out var f) ? f.GetString() : null));
        Assert.Equal(1, code);
        Assert.False(report.GetProperty("passed").GetBoolean());
        Assert.Equal("pass", checks["provider.cpu"].Status);
        Assert.Equal("warn", checks["provider.cuda"].Status);
        if (!NvidiaStack.TryGetGpuName(HostFiles.Instance, BoardInfo.Detect(HostFiles.Instance), out _))
        {
            Assert.Equal("warn", checks["gpu"].Status);
        }

        Assert.Equal(("fail", true), (checks["fleet"].Status, checks["fleet"].Fix!.Contains("check the uplink", StringComparison.Ordinal)));
        Assert.Equal("fail", checks["broker"].Status);
        Assert.Equal("pass", checks["camera.vtest"].Status);
        Assert.Contains("768x576", checks["camera.vtest"].Detail, StringComparison.Ordinal);
        Assert.Contains("Preflight FAILED", stdout.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfTest_UplinkNotConfigured_ReportKeptOnThePoleAndWrittenAsJson()
    {
        var system = Jetson();
        var config = WriteConfig(brokerPort: null);
        var json = Path.Combine(_dir.FullName, "selftest.json");
        using var stdout = new StringWriter();

        var code = await ProvisionCommand.RunAsync(["selftest", "--config", config, "--installer", "Jeanne Martin", "--no-prompt", "--seconds", "1", "--json", json], stdout, TextWriter.Null, colour: true, TextReader.Null, system);

        Assert.Equal(0, code);
        var pending = new PendingInstallationReports(Path.Combine(_dir.FullName, "state")).List();
        var report = Assert.Single(pending);
        Assert.Equal(("pole-50", "Jeanne Martin", InstallationReportKind.SelfTest, true), (report.DeviceId, report.Installer, report.Kind, report.Passed));
        Assert.Equal(9.4, report.Figures!["model.p95Ms"]);
        Assert.Contains(report.Checks, c => c.Id == "fleet.roundtrip" && c.Status == InstallationCheckStatus.Warn);
        Assert.Contains(report.Checks, c => c.Id == "outbox" && c.Status == InstallationCheckStatus.Pass);
        Assert.Contains(report.ReportId, await File.ReadAllTextAsync(json), StringComparison.Ordinal);
        Assert.Contains("\u001b[1;33mSelf-test passed with warnings", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfTest_ModelCannotRun_FailsWithExitOne()
    {
        var system = Jetson();
        system.Model = new ModelProbe(null, 0, 0, 0, "No execution provider of [TensorRT] could run 'model.onnx'");

        var code = await ProvisionCommand.RunAsync(["selftest", "--config", WriteConfig(null), "--installer", "J", "--no-prompt", "--seconds", "1"], TextWriter.Null, TextWriter.Null, false, TextReader.Null, system);

        Assert.Equal(1, code);
        Assert.False(Assert.Single(new PendingInstallationReports(Path.Combine(_dir.FullName, "state")).List()).Passed);
    }

    [Theory]
    [InlineData("'--camera-seconds'", "check", "--camera-seconds", "0")]
    [InlineData("'--camera-seconds'", "check", "--camera-seconds=61")]
    [InlineData("'--config'", "selftest", "--installer", "x")]
    [InlineData("'--installer'", "selftest", "--config", "agent.json", "--installer", " ")]
    [InlineData("'--fleet'", "check", "--fleet", "ftp://fleet")]
    [InlineData("'install'", "install")]
    public async Task RunAsync_BadArguments_UsageExitTwoNamingTheOption(string named, params string[] args)
    {
        using var stderr = new StringWriter();

        var code = await ProvisionCommand.RunAsync(args, TextWriter.Null, stderr, false, TextReader.Null, FakePreflightSystem.Jetson());

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(named, stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("provision", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingConfigurationFile_UsageExitTwoNamingTheFile()
    {
        using var stderr = new StringWriter();
        var missing = Path.Combine(_dir.FullName, "missing.json");

        var code = await ProvisionCommand.RunAsync(["check", $"--config={missing}"], TextWriter.Null, stderr, false, TextReader.Null, FakePreflightSystem.Jetson());

        Assert.Equal(2, code);
        // The error names the file, then points at the command's help (the tool's name is the test host's here).
        var lines = stderr.ToString().Trim().Split('\n');
        Assert.Equal($"error: configuration file '{missing}' not found", lines[0]);
        Assert.EndsWith("provision check --help'", Assert.Single(lines.Skip(1)), StringComparison.Ordinal);
    }

    [Fact]
    public void PendingReports_DamagedFile_SkippedAndKept()
    {
        var pending = new PendingInstallationReports(_dir.FullName);
        var report = new InstallationReportMessage(InstallationReportMessage.SchemaId, 1, "pole-50", "abc123", InstallationReportKind.SelfTest, "J", true, [], null, DateTimeOffset.UnixEpoch);
        pending.Save(report);
        File.WriteAllText(Path.Combine(pending.Directory, "broken.json"), "{");

        Assert.Equal("abc123", Assert.Single(pending.List()).ReportId);
        pending.Remove("abc123");
        Assert.Empty(pending.List());
        Assert.True(File.Exists(Path.Combine(pending.Directory, "broken.json")));
    }

    public void Dispose() => _dir.Delete(recursive: true);

    // A healthy Jetson whose camera is the demo clip.
    private static FakePreflightSystem Jetson()
    {
        var system = FakePreflightSystem.Jetson();
        system.Cameras[TestAssets.DemoClip] = new CameraProbe(null, "XVID", 768, 576, 10, 12, TimeSpan.FromSeconds(1));
        return system;
    }

    private string WriteConfig(int? brokerPort)
    {
        var camera = Path.Combine(_dir.FullName, "vtest-camera.json");
        File.WriteAllText(camera, JsonSerializer.Serialize(new
        {
            cameraId = "vtest",
            source = TestAssets.DemoClip,
            zones = new[] { new { id = "parvis", polygon = new[] { new[] { 0.1, 0.5 }, new[] { 0.9, 0.5 }, new[] { 0.9, 0.95 }, new[] { 0.1, 0.95 } } } },
            events = new[] { new { type = "intrusion", zones = new[] { "parvis" }, categories = new[] { "person" } } },
        }));
        var config = new Dictionary<string, object>
        {
            ["Agent"] = new { DeviceId = "pole-50", Cameras = new[] { camera }, DataDirectory = Path.Combine(_dir.FullName, "state") },
            ["Inference"] = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "TensorRT", "CUDA", "CPU" } },
        };
        if (brokerPort is { } port)
        {
            config["Mqtt"] = new { Host = "127.0.0.1", Port = port, ConnectTimeout = "00:00:02" };
        }

        var path = Path.Combine(_dir.FullName, "agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }
}
