using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.DesiredConfig;

/// <summary>
/// The red team's attack on a fleet-managed agent (run host, real model, real broker): a local process publishes a retained
/// desired configuration with version 999 and windows until 2099, unsigned, then signed by its own key, then a genuine one
/// signed for another device, and has also written a forged configuration into the data folder. None runs, none counts as
/// received, each refusal is reported with its reason and the hash of what was refused — and the fleet's next genuine
/// version (2) is applied.
/// </summary>
public sealed class SignedDesiredConfigTests : IDisposable
{
    private const string DeviceId = "edge-signed-01";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-signed-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task RunHost_ForgedVersion999_RefusedAndTheNextGenuineVersionApplied()
    {
        await using var broker = await InProcessBroker.StartAsync();
        var config = WriteConfig(broker.Port);
        using var attacker = MessageSigner.CreateNew();
        var forged = JsonSerializer.SerializeToUtf8Bytes(Desired(DeviceId, 999, until: new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero)), ContractsJsonContext.Default.DesiredConfigMessage);
        var stored = Path.Combine(_dir.FullName, "data", "config", "desired.json");
        Directory.CreateDirectory(Path.GetDirectoryName(stored)!);
        File.WriteAllBytes(stored, TestSigning.Sign(Desired(DeviceId, 500), attacker));
        await using var reports = await RecordingSubscriber.ConnectAsync(broker.Port, Topics.ConfigReported(DeviceId));
        await PublishRetainedAsync(broker.Port, forged);

        using var stop = new CancellationTokenSource();
        var stderr = new StringWriter();
        AgentWorker? worker = null;
        var run = RunCommand.RunAsync(config, stderr, b => b.Configuration.AddInMemoryCollection([TestSigning.TrustSetting]), sp => worker = sp.GetRequiredService<AgentWorker>(), stop.Token);
        var unsigned = await WaitReportAsync(reports, r => r.RejectedSha256 == Sha256(forged));

        var otherKey = TestSigning.Sign(Desired(DeviceId, 999), attacker);
        await PublishRetainedAsync(broker.Port, otherKey);
        var wrongKey = await WaitReportAsync(reports, r => r.RejectedSha256 == Sha256(otherKey));
        var otherDevice = TestSigning.Sign(Desired("edge-signed-02", 999));
        await PublishRetainedAsync(broker.Port, otherDevice);
        var wrongDevice = await WaitReportAsync(reports, r => r.RejectedSha256 == Sha256(otherDevice));
        var genuine = TestSigning.Sign(Desired(DeviceId, 2));
        await PublishRetainedAsync(broker.Port, genuine);
        var applied = await WaitReportAsync(reports, r => r is { Status: ConfigApplyStatus.Applied, AppliedVersion: 2 });
        var running = worker!.Cameras.Running;
        await stop.CancelAsync();
        Assert.True(await run.WaitAsync(Guard) == 0, stderr.ToString());

        // Each refusal leaves what runs (nothing from the fleet yet) and what was received as they were.
        foreach (var (refused, reason) in new[]
        {
            (unsigned, "not signed: 'keyId' is missing"),
            (wrongKey, $"signature does not verify with a trusted key (key id {attacker.KeyId} is not trusted; trusted: {TestSigning.Fleet.KeyId})"),
            (wrongDevice, $"deviceId: 'edge-signed-02' is not this device ('{DeviceId}'): signed for another device"),
        })
        {
            Assert.Equal((ConfigSource.Local, ConfigApplyStatus.Rejected, (long?)null, (long?)null), (refused.Source, refused.Status, refused.AppliedVersion, refused.LastReceivedVersion));
            Assert.Equal(reason, Assert.Single(refused.Errors));
            Assert.Empty(refused.Authorisations);
        }

        Assert.Equal((ConfigSource.Fleet, 2L, (string?)null), (applied.Source, applied.LastReceivedVersion!.Value, applied.RejectedSha256));
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), Assert.Single(applied.Authorisations).EndsAt);
        Assert.Equal("vtest", Assert.Single(running).CameraId);
        Assert.Equal(genuine, File.ReadAllBytes(stored));
    }

    private static async Task<ReportedConfigMessage> WaitReportAsync(RecordingSubscriber reports, Func<ReportedConfigMessage, bool> match)
    {
        var message = await reports.WaitForAsync(m => match(Report(m)), Guard);
        return Report(message);
    }

    private static ReportedConfigMessage Report(ReceivedMessage m) => JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.ReportedConfigMessage)!;

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task PublishRetainedAsync(int port, byte[] payload)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("local-" + Guid.NewGuid().ToString("N")).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ConfigDesired(DeviceId))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(true)
            .Build());
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
    }

    // A fleet-managed device: no camera file of its own, it runs what the fleet sends.
    private string WriteConfig(int port)
    {
        var config = new
        {
            Agent = new { DeviceId, Cameras = Array.Empty<string>(), DataDirectory = Path.Combine(_dir.FullName, "data") },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "CPU" } },
            Mqtt = new { Host = "127.0.0.1", Port = port, ReconnectMinDelay = "00:00:00.100", ReconnectMaxDelay = "00:00:00.500" },
        };
        var path = Path.Combine(_dir.FullName, "agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return path;
    }

    private static DesiredConfigMessage Desired(string deviceId, long version, DateTimeOffset? until = null)
    {
        var camera = JsonDocument.Parse($$"""
            {
              "cameraId": "vtest",
              "source": {{JsonSerializer.Serialize(TestAssets.DemoClip)}},
              "zones": [{ "id": "plaza", "polygon": [[0.30, 0.40], [0.80, 0.36], [0.98, 0.58], [0.98, 0.78], [0.60, 0.72], [0.30, 0.55]] }],
              "events": [{ "type": "intrusion", "zones": ["plaza"], "categories": ["person"], "minDurationSeconds": 2 }]
            }
            """).RootElement.Clone();
        var from = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new DesiredConfigMessage(
            DesiredConfigMessage.SchemaId,
            DesiredConfigMessage.CurrentVersion,
            deviceId,
            version,
            DateTimeOffset.UtcNow,
            [camera],
            [new AuthorisationWindow("2026-DPG-0412", "Police municipale", ["intrusion"], ["vtest"], from, until ?? new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero))]);
    }
}
