using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Tests.Mqtt;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Hosting;

/// <summary>
/// The run host with the demo clip as a camera: its camera file is edited while it runs. An invalid edit is rejected and
/// the old zone keeps raising alerts; a valid one renames the zone and the next alerts carry the new name — without a
/// restart of capture or inference (the same pipeline keeps counting frames).
/// </summary>
public sealed class ConfigReloadTests : IDisposable
{
    private const string DeviceId = "edge-reload-01";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-reload-run-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task RunHost_CameraFileEdited_RejectsTheInvalidEditThenAppliesTheValidOne()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Alerts(DeviceId));
        var config = AgentConfig.Write(_dir.FullName, DeviceId, broker.Port, heartbeat: TimeSpan.FromSeconds(10));
        var cameraPath = Path.Combine(_dir.FullName, "vtest-camera.json");
        var original = File.ReadAllText(cameraPath);
        var outcomes = Channel.CreateUnbounded<CameraReloadOutcome>();
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();
        PipelineStatsRegistry? registry = null;
        var run = RunCommand.RunAsync(
            config,
            stderr,
            b => b.Configuration["Agent:ReloadDebounce"] = "00:00:00.200",
            sp =>
            {
                sp.GetRequiredService<AgentWorker>().CameraReloaded += (_, o) =>
                {
                    if (o.Result != CameraReloadResult.Unchanged)
                    {
                        outcomes.Writer.TryWrite(o);
                    }
                };
                registry = sp.GetRequiredService<PipelineStatsRegistry>();
            },
            stop.Token);
        await subscriber.WaitForAsync(m => Alert(m) is { State: AlertState.Start, ZoneId: "square" }, Guard);

        Replace(cameraPath, original.Replace("\"zones\": [\"square\"]", "\"zones\": [\"no-such-zone\"]", StringComparison.Ordinal));
        var rejected = await NextAsync(outcomes);
        var seenAtRejection = subscriber.Received.Count;
        await subscriber.WaitForAsync(m => subscriber.Received.Skip(seenAtRejection).Contains(m) && Alert(m) is { State: AlertState.Start, ZoneId: "square" }, Guard);

        var framesBefore = registry!.All.Single().FramesProcessed;
        Replace(cameraPath, original.Replace("\"square\"", "\"plaza\"", StringComparison.Ordinal));
        var applied = await NextAsync(outcomes);
        await subscriber.WaitForAsync(m => Alert(m) is { State: AlertState.Start, ZoneId: "plaza" }, Guard);
        var framesAfter = registry.All.Single().FramesProcessed;
        await stop.CancelAsync();
        var exit = await run.WaitAsync(Guard);

        Assert.True(exit == 0, stderr.ToString());
        Assert.Equal(CameraReloadResult.Rejected, rejected.Result);
        Assert.Contains(rejected.Errors, e => e.Contains("no-such-zone", StringComparison.Ordinal));
        Assert.Equal(CameraReloadResult.Applied, applied.Result);
        Assert.True(framesAfter > framesBefore, "the same pipeline kept running through the reload");
        var alerts = subscriber.Received.Select(Alert).DistinctBy(a => a.MessageId).ToList();
        TestAlerts.AssertCompleteLifecycles(alerts);
        Assert.All(alerts.Where(a => a.ZoneId == "square"), a => Assert.True(a.ObservedAt <= alerts.Where(p => p.ZoneId == "plaza").Min(p => p.ObservedAt)));
    }

    private static Task<CameraReloadOutcome> NextAsync(Channel<CameraReloadOutcome> outcomes) => outcomes.Reader.ReadAsync().AsTask().WaitAsync(Guard);

    private static AlertMessage Alert(ReceivedMessage m)
    {
        try
        {
            return JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.AlertMessage)!;
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"not an alert on {m.Topic} (QoS {m.Qos}, retain {m.Retain}): {Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(m.Payload[..Math.Min(40, m.Payload.Length)]))}", ex);
        }
    }

    // As an editor saves: a temporary file renamed over the original.
    private static void Replace(string path, string content)
    {
        File.WriteAllText(path + ".tmp", content);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
