using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>
/// The other fan-out issue 17 item 6 names, as far as needed to measure it (a bench part, not a product feature): one more
/// MQTT client per instance, with the instance's own service certificate, subscribed without sharing to every device's
/// alerts, that shows what arrives on the instance's screens at once. What it cannot do is why the product does not keep
/// it (docs/operations.md): it shows an alert before (and whether or not) it is stored, decisions and claims are not MQTT
/// messages, and the broker delivers every alert once more per instance.
/// </summary>
public sealed class MqttLiveFeed : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private MqttLiveFeed(IMqttClient client) => _client = client;

    /// <summary>Connects a live-only subscriber for <paramref name="host"/> and returns once it is subscribed.</summary>
    public static async Task<MqttLiveFeed> StartAsync(ConsoleHost host)
    {
        var broker = host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
        var authority = host.Services.GetRequiredService<FleetCertificateAuthority>();
        var live = host.Services.GetRequiredService<LiveBroadcaster>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            // As the ingestion would: the payload decoded, then the view the console shows (not stored: no decision yet).
            var reader = new Utf8JsonReader(e.ApplicationMessage.Payload);
            if (JsonSerializer.Deserialize(ref reader, ContractsJsonContext.Default.AlertMessage) is { } a)
            {
                var now = time.GetUtcNow();
                var view = new AlertView(a.AlertId, a.DeviceId, a.CameraId, a.EventType, a.State, a.Sequence, a.StartedAt, a.ObservedAt,
                    a.EndedAt, a.ZoneId, a.Confidence, a.Measurement, a.Objects, a.Model, now, now);
                live.PublishFromPeer(new LiveEvent(LiveEventTypes.Alert, JsonSerializer.Serialize(view, FleetJsonContext.Default.AlertView)));
            }

            return Task.CompletedTask;
        };
        var options = FleetClientOptions.Builder(broker, authority, $"{broker.ClientId}-live").WithCleanStart(true).Build();
        await client.ConnectAsync(options);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topics.AllAlerts, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        return new MqttLiveFeed(client);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _client.TryDisconnectAsync();
        _client.Dispose();
    }
}
