using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.Agent.Tests.Mqtt;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.DesiredConfig;

/// <summary>
/// The run host (real model, the demo clip as camera) against a real embedded broker, driven the way the fleet drives
/// it: desired v1 retained before the agent starts → applied; an invalid v2 → rejected with its error while v1 keeps
/// raising alerts; v3 with a changed zone → applied in the same pipeline; v4 with another source → that pipeline
/// restarted. Then the agent restarts with no broker reachable and runs v4 from its data folder.
/// </summary>
public sealed class DesiredConfigTests : IDisposable
{
    private const string DeviceId = "edge-desired-01";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-desired-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task RunHost_DesiredVersions_AppliesValidRejectsInvalidAndRunsThePersistedOneOffline()
    {
        var clip = Path.Combine(_dir.FullName, "vtest.avi");
        var copy = Path.Combine(_dir.FullName, "vtest-copy.avi");
        const string Bowtie = "[[0.30, 0.40], [0.98, 0.78], [0.98, 0.58], [0.30, 0.55]]";
        string config;
        await using (var broker = await InProcessBroker.StartAsync())
        {
            config = AgentConfig.Write(_dir.FullName, DeviceId, broker.Port, heartbeat: TimeSpan.FromSeconds(10));
            await using var fleet = await FleetClient.ConnectAsync(broker.Port);
            await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.Alerts(DeviceId), Topics.ConfigReported(DeviceId));
            await fleet.PublishAsync(Desired(1, clip, "plaza"));

            using var stop = new CancellationTokenSource();
            var stderr = new StringWriter();
            AgentWorker? worker = null;
            PipelineStatsRegistry? registry = null;
            var first = new TaskCompletionSource<ReportedConfigMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            var logs = new RecordingLoggerProvider();
            var run = RunCommand.RunAsync(
                config,
                stderr,
                b =>
                {
                    b.Configuration.AddInMemoryCollection([TestSigning.TrustSetting]);
                    b.Logging.AddProvider(logs).AddFilter<RecordingLoggerProvider>(typeof(AgentWorker).FullName, LogLevel.Debug);
                },
                sp =>
                {
                    (worker, registry) = (sp.GetRequiredService<AgentWorker>(), sp.GetRequiredService<PipelineStatsRegistry>());
                    worker.ConfigReported += (_, r) => first.TrySetResult(r);
                },
                stop.Token);

            var v1 = await subscriber.WaitForAsync(m => Reported(m) is { Status: ConfigApplyStatus.Applied, AppliedVersion: 1 }, Guard);
            await subscriber.WaitForAsync(m => Alert(m) is { State: AlertState.Start, ZoneId: "plaza" }, Guard);
            var starts = worker!.Cameras.PipelineStarts;

            await fleet.PublishAsync(Desired(2, clip, "plaza", Bowtie));
            var v2 = await subscriber.WaitForAsync(m => Reported(m) is { Status: ConfigApplyStatus.Rejected, LastReceivedVersion: 2 }, Guard);
            var seen = subscriber.Received.Count;
            await subscriber.WaitForAsync(m => subscriber.Received.Skip(seen).Contains(m) && Alert(m) is { State: AlertState.Start, ZoneId: "plaza" }, Guard);

            var framesBefore = registry!.All.Single().FramesProcessed;
            await fleet.PublishAsync(Desired(3, clip, "forecourt"));
            var v3 = await subscriber.WaitForAsync(m => Reported(m) is { Status: ConfigApplyStatus.Applied, AppliedVersion: 3 }, Guard);
            await subscriber.WaitForAsync(m => Alert(m) is { State: AlertState.Start, ZoneId: "forecourt" }, Guard);
            var framesAfter = registry.All.Single().FramesProcessed;
            var startsAfter = worker.Cameras.PipelineStarts;
            await using var late = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.ConfigReported(DeviceId));
            var retained = await late.WaitForAsync(m => m.Retain && Reported(m) is { AppliedVersion: 3 }, Guard);

            // v4 moves the camera to another source: that pipeline is restarted, the others would not be.
            File.Copy(clip, copy);
            await fleet.PublishAsync(Desired(4, copy, "forecourt"));
            await subscriber.WaitForAsync(m => Reported(m) is { Status: ConfigApplyStatus.Applied, AppliedVersion: 4 }, Guard);
            seen = subscriber.Received.Count;
            await subscriber.WaitForAsync(m => subscriber.Received.Skip(seen).Contains(m) && Alert(m) is { State: AlertState.Start, ZoneId: "forecourt" }, Guard);
            var startsAfterMove = worker.Cameras.PipelineStarts;

            // The same version again (as a retained copy arrives at every reconnection): nothing is redone.
            await fleet.PublishAsync(Desired(4, copy, "forecourt"));
            await logs.WaitForAsync(e => e.EventId == 7112, Guard);
            Assert.Equal(startsAfterMove, worker.Cameras.PipelineStarts);
            Assert.Equal(4, worker.LastReport!.AppliedVersion);
            await stop.CancelAsync();
            Assert.True(await run.WaitAsync(Guard) == 0, stderr.ToString());
            Assert.Equal(startsAfter + 1, startsAfterMove);
            Assert.Equal(copy, Assert.Single(worker.Cameras.Running).Source);

            // Every alert ended: by the rules swapped at v3, by the stop of the moved pipeline at v4, by the final stop.
            await subscriber.WaitForAsync(_ => Alerts(subscriber).GroupBy(a => a.AlertId).All(g => g.Any(a => a.State == AlertState.End)), Guard);
            TestAlerts.AssertCompleteLifecycles(Alerts(subscriber));

            // Before the retained v1 was read, the agent ran (and reported) its local camera file.
            var local = await first.Task.WaitAsync(Guard);
            Assert.Equal((ConfigSource.Local, (long?)null), (local.Source, local.AppliedVersion));
            Assert.Equal("square", Assert.Single(local.Cameras).GetProperty("zones")[0].GetProperty("id").GetString());
            Assert.Empty(local.Authorisations);
            var applied = Reported(v1)!;
            Assert.Equal(ConfigSource.Fleet, applied.Source);
            Assert.Empty(applied.Errors);
            Assert.Equal("2026-DPG-0412", Assert.Single(applied.Authorisations).Reference);
            Assert.Equal("plaza", Assert.Single(applied.Cameras).GetProperty("zones")[0].GetProperty("id").GetString());
            var rejected = Reported(v2)!;
            Assert.Equal(1, rejected.AppliedVersion);
            Assert.Contains("cameras[0] ('vtest').zones[0].polygon: self-intersecting", rejected.Errors);
            Assert.Equal("plaza", Assert.Single(rejected.Cameras).GetProperty("zones")[0].GetProperty("id").GetString());
            Assert.Equal(3, Reported(v3)!.LastReceivedVersion);
            Assert.Equal(starts, startsAfter);
            Assert.True(framesAfter > framesBefore, "the same pipeline kept running through v3");
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, retained.Qos);
        }

        // The broker is gone: the restarted agent reads v4 (and its window) from its data folder.
        var offline = await RunOfflineUntilFirstAlertAsync(config);
        Assert.Equal((ConfigSource.Fleet, 4L), (offline.Report.Source, offline.Report.AppliedVersion!.Value));
        Assert.Equal("forecourt", offline.Alert.ZoneId);
    }

    private static async Task<(ReportedConfigMessage Report, AlertMessage Alert)> RunOfflineUntilFirstAlertAsync(string config)
    {
        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();
        AgentWorker? worker = null;
        IAlertOutbox? outbox = null;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = RunCommand.RunAsync(
            config,
            stderr,
            b =>
            {
                b.Configuration.AddInMemoryCollection([TestSigning.TrustSetting]);
                b.Configuration["Mqtt:Port"] = InProcessBroker.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            },
            sp =>
            {
                (worker, outbox) = (sp.GetRequiredService<AgentWorker>(), sp.GetRequiredService<IAlertOutbox>());
                started.SetResult();
            },
            stop.Token);
        var since = DateTimeOffset.UtcNow;
        await started.Task.WaitAsync(Guard);
        using var wait = new CancellationTokenSource(Guard);

        // The first alert of this run (the outbox may still hold one the first run could not deliver).
        AlertMessage? alert = null;
        var seen = 0;
        while (alert is null)
        {
            await outbox!.WaitAsync(c => c.Depth > seen, wait.Token);
            var entries = outbox.Peek(10_000);
            seen = entries.Count;
            alert = entries.Select(e => JsonSerializer.Deserialize(e.Payload, ContractsJsonContext.Default.AlertMessage)!).FirstOrDefault(a => a.ObservedAt >= since);
        }

        var report = worker!.LastReport!;
        await stop.CancelAsync();
        Assert.True(await run.WaitAsync(Guard) == 0, stderr.ToString());
        return (report, alert);
    }

    private static DesiredConfigMessage Desired(long version, string clip, string zone, string polygon = "[[0.30, 0.40], [0.80, 0.36], [0.98, 0.58], [0.98, 0.78], [0.60, 0.72], [0.30, 0.55]]")
    {
        var camera = JsonDocument.Parse($$"""
            {
              "cameraId": "vtest",
              "source": {{JsonSerializer.Serialize(clip)}},
              "zones": [{ "id": "{{zone}}", "polygon": {{polygon}} }],
              "events": [{ "type": "intrusion", "zones": ["{{zone}}"], "categories": ["person"], "minDurationSeconds": 2 }]
            }
            """).RootElement.Clone();
        var now = DateTimeOffset.UtcNow;
        return new DesiredConfigMessage(
            DesiredConfigMessage.SchemaId,
            DesiredConfigMessage.CurrentVersion,
            DeviceId,
            version,
            now,
            [camera],
            [new AuthorisationWindow("2026-DPG-0412", "Police municipale", ["intrusion"], ["vtest"], now.AddHours(-1), now.AddDays(1))]);
    }

    private static ReportedConfigMessage? Reported(ReceivedMessage m) =>
        m.Topic == Topics.ConfigReported(DeviceId) ? JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.ReportedConfigMessage) : null;

    private static List<AlertMessage> Alerts(RecordingSubscriber subscriber) =>
        [.. subscriber.Received.Select(Alert).OfType<AlertMessage>().DistinctBy(a => a.MessageId)];

    private static AlertMessage? Alert(ReceivedMessage m) =>
        m.Topic == Topics.Alerts(DeviceId) ? JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.AlertMessage) : null;

    // Publishes desired configurations as the fleet does: signed with the fleet's key, retained, QoS 1.
    private sealed class FleetClient : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

        public static async Task<FleetClient> ConnectAsync(int port)
        {
            var fleet = new FleetClient();
            await fleet._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("fleet-" + Guid.NewGuid().ToString("N")).Build());
            return fleet;
        }

        public async Task PublishAsync(DesiredConfigMessage message) =>
            await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(Topics.ConfigDesired(message.DeviceId))
                .WithPayload(TestSigning.Sign(message))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .Build());

        public async ValueTask DisposeAsync()
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            _client.Dispose();
        }
    }
}
