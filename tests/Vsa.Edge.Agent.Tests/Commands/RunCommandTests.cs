using System.Text.Json;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Commands;

/// <summary>The whole <c>run</c> host: the demo clip as a camera (played at its own 10 fps), a real broker, a subscriber.</summary>
public sealed class RunCommandTests : IDisposable
{
    private const string DeviceId = "edge-run-test";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-run-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task RunAsync_StoppedAfterAnAlertStarted_EndsItAndGoesOffline()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, $"{Topics.Root}/{DeviceId}/#");
        var config = WriteConfig(broker.Port, ["CPU"]);
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();

        var run = RunCommand.RunAsync(config, stderr, stop.Token);
        await subscriber.WaitForAsync(m => m.Topic == Topics.Status(DeviceId) && Parse(m, ContractsJsonContext.Default.StatusMessage).State == DeviceState.Online, Guard);
        var health = await subscriber.WaitForAsync(m => m.Topic == Topics.Health(DeviceId) && Parse(m, ContractsJsonContext.Default.HealthMessage).Cameras.Any(c => c.Fps > 0), Guard);
        var start = await subscriber.WaitForAsync(m => m.Topic == Topics.Alerts(DeviceId) && Parse(m, ContractsJsonContext.Default.AlertMessage).State == AlertState.Start, Guard);
        await stop.CancelAsync();
        var exit = await run.WaitAsync(Guard);

        Assert.True(exit == 0, stderr.ToString());
        var heartbeat = Parse(health, ContractsJsonContext.Default.HealthMessage);
        Assert.Equal("CPU", heartbeat.ExecutionProvider);
        Assert.Equal("vtest", heartbeat.Cameras.Single().CameraId);
        Assert.True(heartbeat.Cameras.Single().InferenceMsP50 > 0);
        var alertId = Parse(start, ContractsJsonContext.Default.AlertMessage).AlertId;
        await subscriber.WaitForAsync(m => m.Topic == Topics.Alerts(DeviceId) && Parse(m, ContractsJsonContext.Default.AlertMessage) is { State: AlertState.End } a && a.AlertId == alertId, Guard);
        await subscriber.WaitForAsync(m => m.Topic == Topics.Status(DeviceId) && Parse(m, ContractsJsonContext.Default.StatusMessage).State == DeviceState.Offline, Guard);
    }

    [Fact]
    public async Task RunAsync_LocalCamerasWithoutWindowsOrDevelopmentMode_RefusesToStartNamingTheFix()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, $"{Topics.Root}/{DeviceId}/#");
        var config = WriteConfig(broker.Port, ["CPU"], developmentMode: false);
        var stderr = new StringWriter();

        var exit = await RunCommand.RunAsync(config, stderr).WaitAsync(Guard);

        Assert.Equal(AnalyzeCommand.ExitUsage, exit);
        Assert.Contains(AgentWorker.NoWindowsError, stderr.ToString(), StringComparison.Ordinal);

        // Refused before anything started: the device never connected, so it never said it was online.
        Assert.DoesNotContain(subscriber.Received, m => m.Topic == Topics.Status(DeviceId));
    }

    [Fact]
    public async Task RunAsync_LocalWindowCoveringTheCamera_RunsWithoutDevelopmentMode()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, $"{Topics.Root}/{DeviceId}/#");
        var now = DateTimeOffset.UtcNow;
        var window = new { Reference = "2026-DPG-0001", Service = "Police municipale", Events = new[] { "intrusion" }, Cameras = new[] { "vtest" }, StartsAt = now.AddHours(-1), EndsAt = now.AddHours(1) };
        var config = WriteConfig(broker.Port, ["CPU"], developmentMode: false, authorisations: [window]);
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();

        var run = RunCommand.RunAsync(config, stderr, stop.Token);
        await subscriber.WaitForAsync(m => m.Topic == Topics.Alerts(DeviceId) && Parse(m, ContractsJsonContext.Default.AlertMessage).State == AlertState.Start, Guard);
        await stop.CancelAsync();
        var exit = await run.WaitAsync(Guard);

        Assert.True(exit == 0, stderr.ToString());
    }

    [Fact]
    public async Task RunAsync_UnknownExecutionProvider_FailsAtStartNamingIt()
    {
        var config = WriteConfig(InProcessBroker.FreePort(), ["CUDA", "NPU"]);
        var stderr = new StringWriter();

        var exit = await RunCommand.RunAsync(config, stderr).WaitAsync(Guard);

        Assert.Equal(AnalyzeCommand.ExitUsage, exit);
        Assert.Contains("'NPU'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InvalidCameraFile_FailsAtStartNamingTheField()
    {
        var config = WriteConfig(InProcessBroker.FreePort(), ["CPU"], cameraJson: """
            { "cameraId": "", "source": "vtest.avi", "zones": [], "events": [] }
            """);
        var stderr = new StringWriter();

        var exit = await RunCommand.RunAsync(config, stderr).WaitAsync(Guard);

        Assert.Equal(AnalyzeCommand.ExitUsage, exit);
        Assert.Contains("cameraId", stderr.ToString(), StringComparison.Ordinal);
    }

    // DevelopmentMode by default: a test bench on the clip with no arrêté (the agent refuses local cameras without either).
    private string WriteConfig(int port, string[] providers, string? cameraJson = null, bool developmentMode = true, object[]? authorisations = null)
    {
        var camera = cameraJson ?? File.ReadAllText(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"));
        File.WriteAllText(Path.Combine(_dir.FullName, "vtest-camera.json"), camera);
        File.Copy(TestAssets.DemoClip, Path.Combine(_dir.FullName, "vtest.avi"));
        var config = new
        {
            Agent = new { DeviceId, Cameras = new[] { "vtest-camera.json" }, DataDirectory = Path.Combine(_dir.FullName, "data"), DevelopmentMode = developmentMode, Authorisations = authorisations ?? [] },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = providers },
            Mqtt = new { Host = "127.0.0.1", Port = port, HeartbeatInterval = "00:00:01", ReconnectMinDelay = "00:00:00.100" },
        };
        var path = Path.Combine(_dir.FullName, "agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    private static T Parse<T>(ReceivedMessage m, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Deserialize(m.Payload, type)!;
}
