using System.Buffers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>The API calls and the MQTT subscriber the configuration tests share.</summary>
public static class ConfigTestClient
{
    /// <summary>Records an authorisation through the API (as an administrator) and returns it.</summary>
    public static async Task<AuthorisationView> AuthoriseAsync(HttpClient admin, AuthorisationRequest request)
    {
        var response = await admin.PostAsJsonAsync("/api/authorisations", request, FleetJsonContext.Default.AuthorisationRequest);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.AuthorisationView))!;
    }

    /// <summary><c>PUT /api/devices/{deviceId}/config</c>.</summary>
    public static Task<HttpResponseMessage> PutConfigAsync(HttpClient client, string deviceId, IReadOnlyList<JsonElement> cameras, long? expectedVersion = null) =>
        client.PutAsJsonAsync($"/api/devices/{deviceId}/config", new DesiredConfigRequest(cameras, expectedVersion), FleetJsonContext.Default.DesiredConfigRequest);

    /// <summary><c>GET /api/devices/{deviceId}/config</c>.</summary>
    public static async Task<DeviceConfigView> GetConfigAsync(HttpClient client, string deviceId) =>
        (await client.GetFromJsonAsync($"/api/devices/{deviceId}/config", FleetJsonContext.Default.DeviceConfigView))!;

    /// <summary>Reads a successful configuration response.</summary>
    public static async Task<DeviceConfigView> ReadConfigAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync(FleetJsonContext.Default.DeviceConfigView))!;
    }

    /// <summary>Waits until the fleet's publisher has had <paramref name="version"/> of the device acknowledged by the broker.</summary>
    public static async Task WaitPublishedAsync(FleetApp fleet, string deviceId, long version)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await fleet.Services.GetRequiredService<ConfigPublisher>().WaitForPublishedAsync(deviceId, version, guard.Token);
    }
}

/// <summary>A real MQTT client subscribed to one device's desired configuration, as a device would be.</summary>
public sealed class DesiredSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Channel<(DesiredConfigMessage Message, bool Retained)> _received = Channel.CreateUnbounded<(DesiredConfigMessage, bool)>();

    private DesiredSubscriber(IMqttClient client) => _client = client;

    /// <summary>
    /// Enrols <paramref name="deviceId"/> (a token from the fleet's store, its own key, <c>POST /api/enrol</c>), connects over
    /// mutual TLS as that device and subscribes to <c>vsa/v1/{deviceId}/config/desired</c>: only an enrolled device may read
    /// its desired configuration.
    /// </summary>
    public static async Task<DesiredSubscriber> SubscribeAsync(FleetApp fleet, string deviceId)
    {
        var token = await fleet.Services.GetRequiredService<EnrolmentStore>().CreateTokenAsync("test", "Gare Saint-Charles", TimeSpan.FromHours(1), CancellationToken.None);
        using var device = await TrustedDevice.EnrolAsync(fleet.Http, token.Token, deviceId);
        var client = new MqttClientFactory().CreateMqttClient();
        var subscriber = new DesiredSubscriber(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            var message = Unwrap(e.ApplicationMessage.Payload.ToArray());
            subscriber._received.Writer.TryWrite((message, e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        await client.ConnectAsync(device.Options(fleet.TlsPort), guard.Token);
        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.ConfigDesired(deviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(), guard.Token);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);
        return subscriber;
    }

    /// <summary>
    /// The desired configuration inside a signed envelope as published on <c>config/desired</c> (signature not checked here:
    /// <see cref="SignedDesiredConfigTests"/> checks it with the key a device gets at enrolment).
    /// </summary>
    public static DesiredConfigMessage Unwrap(byte[] published)
    {
        var envelope = JsonSerializer.Deserialize(published, ContractsJsonContext.Default.SignedMessage)!;
        Assert.Equal(DesiredConfigMessage.SchemaId, envelope.Schema);
        return JsonSerializer.Deserialize(Convert.FromBase64String(envelope.Payload), ContractsJsonContext.Default.DesiredConfigMessage)!;
    }

    /// <summary>The next message matching <paramref name="condition"/>, with whether it came as a retained copy.</summary>
    public async Task<(DesiredConfigMessage Message, bool Retained)> NextAsync(Func<DesiredConfigMessage, bool> condition)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        while (true)
        {
            var next = await _received.Reader.ReadAsync(guard.Token);
            if (condition(next.Message))
            {
                return next;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _client.TryDisconnectAsync();
        _client.Dispose();
    }
}
