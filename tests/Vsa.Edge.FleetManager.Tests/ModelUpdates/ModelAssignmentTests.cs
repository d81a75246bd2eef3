using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.ModelUpdates;

/// <summary>
/// <c>PUT /api/devices/{deviceId}/model</c> through <see cref="IModelAssigner"/>: the device's next desired state, signed with
/// the desired-state key it learnt at enrolment, names the package (id, version, hash, size, URL) and the model-signing keys;
/// a camera edit keeps it; back to factory; refused with the reason for a model lacking a category in use, an unknown package
/// or device.
/// </summary>
public sealed class ModelAssignmentTests(ModelPackageSamples packages) : IClassFixture<ModelPackageSamples>
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task Assign_Package_PublishesSignedDesiredStateWithTheModelKeptByLaterVersions()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings());
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await ModelDeliveryTests.ConfiguredDeviceAsync(fleet, admin, "pole-12");
        await using var desired = await SignedDesired.SubscribeAsync(fleet, device);
        var stored = await ModelApi.UploadOkAsync(admin, packages.Write("2.0.0"));

        var assigned = await AssignAsync(admin, "pole-12", new ModelAssignmentRequest(stored.Sha256));
        var v2 = await desired.NextAsync(2);
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()], expectedVersion: 2));
        var v3 = await desired.NextAsync(3);
        var factory = await AssignAsync(admin, "pole-12", new ModelAssignmentRequest(null, Factory: true));
        var v4 = await desired.NextAsync(4);
        var view = (await admin.GetFromJsonAsync("/api/devices/pole-12/models", ModelJsonContext.Default.DeviceModelsView))!;
        var audit = await admin.GetFromJsonAsync("/api/audit", FleetJsonContext.Default.IReadOnlyListAuditEntry);

        Assert.Equal((true, 2L, 4L), (assigned.Accepted, assigned.DesiredVersion, factory.DesiredVersion));
        var model = Assert.Single(v2.Models!);
        Assert.Equal(("detector", "nanodet-coco", "2.0.0", stored.Sha256, stored.Size, (string?)null), (model.Kind, model.Id, model.Version, model.Sha256, model.Size, model.RolloutId));
        Assert.EndsWith("/device/v1/models/" + stored.Sha256, model.Url, StringComparison.Ordinal);
        Assert.Equal([Convert.ToBase64String(packages.Signer.SubjectPublicKeyInfo)], v2.ModelSigningKeys);
        Assert.Equal(packages.Signer.KeyId, Assert.Single(device.Response.ModelSigningKeys!).KeyId);
        Assert.Equal(v2.Cameras.Single().GetRawText(), v3.Cameras.Single().GetRawText());
        Assert.Equal(model, Assert.Single(v3.Models!));
        Assert.Equal(v2.ModelSigningKeys, v3.ModelSigningKeys);
        Assert.Equal(("nanodet-coco", DesiredModel.FactoryVersion, string.Empty, 0L), (v4.Models![0].Id, v4.Models[0].Version, v4.Models[0].Sha256, v4.Models[0].Size));
        Assert.Equal((4L, DesiredModel.FactoryVersion), (view.DesiredVersion, Assert.Single(view.Desired).Version));
        Assert.Equal(2, audit!.Count(e => e.Action == ModelAuditActions.Assign));
    }

    [Fact]
    public async Task Assign_Refused_SaysWhyAndPublishesNothing()
    {
        await using var fleet = await FleetApp.StartAsync(packages.Settings(), waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var operatorClient = await fleet.ClientAsync(Role.Operator);
        using var device = await ModelDeliveryTests.ConfiguredDeviceAsync(fleet, admin, "pole-12", eventType: "abandoned_object");
        var personOnly = await ModelApi.UploadOkAsync(admin, packages.Write("2.0.0", categories: ["person"]));
        var full = await ModelApi.UploadOkAsync(admin, packages.Write("3.0.0"));

        var lacking = await RefusalAsync(admin, "pole-12", new ModelAssignmentRequest(personOnly.Sha256));
        var unknownPackage = await RefusalAsync(admin, "pole-12", new ModelAssignmentRequest(new string('a', 64)));
        var unknownDevice = await RefusalAsync(admin, "pole-99", new ModelAssignmentRequest(full.Sha256));
        var byOperator = await operatorClient.PutAsJsonAsync("/api/devices/pole-12/model", new ModelAssignmentRequest(full.Sha256), ModelJsonContext.Default.ModelAssignmentRequest);
        var both = await admin.PutAsJsonAsync("/api/devices/pole-12/model", new ModelAssignmentRequest(full.Sha256, Factory: true), ModelJsonContext.Default.ModelAssignmentRequest);
        var config = await GetConfigAsync(admin, "pole-12");

        Assert.Equal("device 'pole-12': model nanodet-coco 2.0.0 lacks a category in use: event 'abandoned_object' on camera 'cam-1' needs category 'bag' (it provides: person)", lacking);
        Assert.Contains("unknown model package", unknownPackage, StringComparison.Ordinal);
        Assert.Contains("unknown device 'pole-99'", unknownDevice, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.BadRequest), (byOperator.StatusCode, both.StatusCode));
        Assert.Equal(1L, config.Desired!.Version);
        Assert.True((await AssignAsync(admin, "pole-12", new ModelAssignmentRequest(full.Sha256))).Accepted);
    }

    private static async Task<ModelAssignment> AssignAsync(HttpClient admin, string deviceId, ModelAssignmentRequest request)
    {
        var response = await admin.PutAsJsonAsync($"/api/devices/{deviceId}/model", request, ModelJsonContext.Default.ModelAssignmentRequest);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(ModelJsonContext.Default.ModelAssignment))!;
    }

    private static async Task<string> RefusalAsync(HttpClient admin, string deviceId, ModelAssignmentRequest request)
    {
        var response = await admin.PutAsJsonAsync($"/api/devices/{deviceId}/model", request, ModelJsonContext.Default.ModelAssignmentRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
    }

    /// <summary>The device's own MQTT session on its desired configuration, each message verified with the key from its enrolment.</summary>
    private sealed class SignedDesired : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly Channel<DesiredConfigMessage> _received = Channel.CreateUnbounded<DesiredConfigMessage>();

        public static async Task<SignedDesired> SubscribeAsync(FleetApp fleet, TrustedDevice device)
        {
            var verifier = new SignedMessageVerifier(SigningKeys.ReadPublicKeys(Assert.Single(device.Response.SigningKeys).PublicKeyPem));
            var subscriber = new SignedDesired();
            subscriber._client.ApplicationMessageReceivedAsync += e =>
            {
                // A message that does not verify is never handed to the test, which then times out waiting for its version.
                if (verifier.TryVerify(e.ApplicationMessage.Payload.ToArray(), DesiredConfigMessage.SchemaId, out var verified, out _))
                {
                    subscriber._received.Writer.TryWrite(JsonSerializer.Deserialize(verified.Payload, ContractsJsonContext.Default.DesiredConfigMessage)!);
                }

                return Task.CompletedTask;
            };
            using var guard = new CancellationTokenSource(FleetApp.Timeout);
            await subscriber._client.ConnectAsync(device.Options(fleet.TlsPort), guard.Token);
            await subscriber._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(device.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(), guard.Token);
            return subscriber;
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

        public async ValueTask DisposeAsync()
        {
            await _client.TryDisconnectAsync();
            _client.Dispose();
        }
    }
}
