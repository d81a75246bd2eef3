using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Rollouts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.ModelUpdates;
using Vsa.Edge.FleetManager.Tests.Trust;

namespace Vsa.Edge.FleetManager.Tests.Rollouts;

/// <summary>
/// A rollout over the fleet's real model ports (<c>ModelAssigner</c>, <c>ModelReportStore</c>), not the scripted ones: enrolled
/// devices on mutual TLS receive the signed desired state naming the package and the rollout; their <c>model/reported</c>,
/// ingested from the broker, moves the rollout on; an abort sends each its factory model back.
/// </summary>
public sealed class RolloutRealPortsTests(ModelPackageSamples packages) : IClassFixture<ModelPackageSamples>
{
    [Fact]
    public async Task Start_NamedCanaryReportsActiveOverMqtt_NextWaveIsSentAndAbortSendsFactoryBack()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings());
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var a = await ModelDeliveryTests.ConfiguredDeviceAsync(fleet, admin, "pole-a");
        using var b = await ModelDeliveryTests.ConfiguredDeviceAsync(fleet, admin, "pole-b", "2026-DPG-0413");
        await using var sessionA = await DeviceSession.ConnectAsync(fleet, a);
        await using var sessionB = await DeviceSession.ConnectAsync(fleet, b);
        var stored = await ModelApi.UploadOkAsync(admin, packages.Write("2.0.0"));

        var created = await admin.PostAsJsonAsync("/api/rollouts", new RolloutRequest(stored.Sha256, Devices: ["pole-a", "pole-b"], Canary: ["pole-b"], Waves: [100], SoakMinutes: 0), RolloutJsonContext.Default.RolloutRequest);
        var id = (await created.Content.ReadFromJsonAsync(RolloutJsonContext.Default.RolloutView))!.Id;
        var canary = Assert.Single((await sessionB.NextAsync(2)).Models!);
        await sessionB.ReportAsync(new ModelSlotReport("detector", "nanodet-coco", "2.0.0", stored.Sha256, DesiredModel.FactoryVersion,
            new ModelUpdateReport("nanodet-coco", "2.0.0", stored.Sha256, ModelUpdateState.Active, null, TimeProvider.System.GetUtcNow(), canary.RolloutId)));
        await WaitForReportAsync(admin, "pole-b");
        var sent = sessionA.NextAsync(2);

        // One pass follows the report and passes the canary (no soak); the next stage starts in it or the next one.
        await PassAsync(fleet);
        await PassAsync(fleet);
        var wave = Assert.Single((await sent).Models!);
        var running = (await admin.GetFromJsonAsync($"/api/rollouts/{id}", RolloutJsonContext.Default.RolloutView))!;
        var aborted = await admin.PostAsJsonAsync($"/api/rollouts/{id}/abort", new RolloutActionRequest("real ports"), RolloutJsonContext.Default.RolloutActionRequest);
        var backA = Assert.Single((await sessionA.NextAsync(3)).Models!);
        var backB = Assert.Single((await sessionB.NextAsync(3)).Models!);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(("2.0.0", stored.Sha256, $"rollout:{id}"), (canary.Version, canary.Sha256, canary.RolloutId));
        Assert.Equal(canary, wave);
        Assert.Equal((RolloutStatus.Running, 1, "active"), (running.Status, running.Stage, running.Devices.Single(d => d.DeviceId == "pole-b").State));
        Assert.NotNull(running.Devices.Single(d => d.DeviceId == "pole-a").AssignedAt);
        Assert.Equal(HttpStatusCode.OK, aborted.StatusCode);
        Assert.All(new[] { backA, backB }, m => Assert.Equal((DesiredModel.FactoryVersion, $"rollout:{id}"), (m.Version, m.RolloutId)));
    }

    private static async Task PassAsync(FleetApp fleet)
    {
        var driver = fleet.Services.GetRequiredService<RolloutDriver>();
        var next = driver.NextPassAsync();
        driver.Wake();
        await next.WaitAsync(FleetApp.Timeout);
    }

    // The report arrives through the broker and the ingestion: wait until the fleet's store holds it.
    private static async Task WaitForReportAsync(HttpClient admin, string deviceId)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        while ((await admin.GetFromJsonAsync<JsonElement>($"/api/devices/{deviceId}/models", guard.Token)).GetProperty("reported").ValueKind == JsonValueKind.Null)
        {
            await Task.Delay(50, guard.Token);
        }
    }

    /// <summary>One device's own MQTT session: its desired states (verified with the key from its enrolment), its model reports.</summary>
    private sealed class DeviceSession : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly Channel<DesiredConfigMessage> _received = Channel.CreateUnbounded<DesiredConfigMessage>();
        private string _deviceId = string.Empty;

        public static async Task<DeviceSession> ConnectAsync(FleetApp fleet, TrustedDevice device)
        {
            var verifier = new SignedMessageVerifier(SigningKeys.ReadPublicKeys(Assert.Single(device.Response.SigningKeys).PublicKeyPem));
            var session = new DeviceSession { _deviceId = device.DeviceId };
            session._client.ApplicationMessageReceivedAsync += e =>
            {
                if (verifier.TryVerify(e.ApplicationMessage.Payload.ToArray(), DesiredConfigMessage.SchemaId, out var verified, out _))
                {
                    session._received.Writer.TryWrite(JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.DesiredConfigMessage)!);
                }

                return Task.CompletedTask;
            };
            using var guard = new CancellationTokenSource(FleetApp.Timeout);
            await session._client.ConnectAsync(device.Options(fleet.TlsPort), guard.Token);
            await session._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(device.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(), guard.Token);
            return session;
        }

        public async Task<DesiredConfigMessage> NextAsync(long version)
        {
            using var guard = new CancellationTokenSource(FleetApp.Timeout);
            while (true)
            {
                var next = await _received.Reader.ReadAsync(guard.Token);
                if (next.Version == version)
                {
                    return next;
                }
            }
        }

        public async Task ReportAsync(ModelSlotReport slot) => await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Topics.ModelReported(_deviceId))
            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(
                new ModelReportedMessage(ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, _deviceId, TimeProvider.System.GetUtcNow(), [slot]),
                ContractsJsonContext.Default.ModelReportedMessage))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag()
            .Build());

        public async ValueTask DisposeAsync()
        {
            await _client.TryDisconnectAsync();
            _client.Dispose();
        }
    }
}
