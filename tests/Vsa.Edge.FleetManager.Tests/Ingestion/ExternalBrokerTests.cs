using System.Globalization;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>The fleet manager in External mode against a real Mosquitto.</summary>
public sealed class ExternalBrokerTests : IDisposable
{
    // One broker per test: the outage test stops and restarts it.
    private readonly MosquittoFixture _mosquitto = new();

    [Fact]
    public async Task ExternalMosquitto_AlertPublishedBySeparateClient_IsIngested()
    {
        await using var fleet = await FleetApp.StartAsync(ExternalSettings());
        await using var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-12");
        var alert = Samples.AlertStart(device.DeviceId);

        await device.PublishAsync(alert);
        var view = await fleet.WaitForAlertAsync(alert.AlertId);

        Assert.Equal(AlertState.Start, view.State);
        Assert.Equal("pole-12", view.DeviceId);
    }

    [Fact]
    public async Task BrokerOutage_IngestionReconnectsAndIngestsAgain()
    {
        await using var fleet = await FleetApp.StartAsync(ExternalSettings(reconnectMinDelay: "00:00:00.100"));
        var before = fleet.Ingestion.Current.Subscriptions;
        using var guard = new CancellationTokenSource(FleetApp.Timeout);

        _mosquitto.Stop();
        await fleet.Ingestion.WaitUntilAsync(s => !s.Subscribed, guard.Token);
        _mosquitto.Start();
        await fleet.Ingestion.WaitUntilAsync(s => s.Subscribed && s.Subscriptions > before, guard.Token);

        await using var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-12");
        var alert = Samples.AlertStart(device.DeviceId);
        await device.PublishAsync(alert);
        await fleet.WaitForAlertAsync(alert.AlertId);
    }

    [Fact]
    public async Task FleetRestart_AlertPublishedWhileDown_IsDeliveredFromThePersistentSession()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("vsa-fleet-restart-").FullName;
        try
        {
            var settings = ExternalSettings(clientId: $"fleet-{Guid.NewGuid():N}");
            await using (await FleetApp.StartAsync(settings, dataDirectory: dataDirectory))
            {
                // Subscribed once: the broker now holds the session and its subscriptions.
            }

            await using var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-12");
            var alert = Samples.AlertStart(device.DeviceId);
            await device.PublishAsync(alert);

            await using var restarted = await FleetApp.StartAsync(settings, dataDirectory: dataDirectory);
            var view = await restarted.WaitForAlertAsync(alert.AlertId);

            Assert.Equal(alert.AlertId, view.AlertId);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    public void Dispose() => _mosquitto.Dispose();

    private Dictionary<string, string?> ExternalSettings(string reconnectMinDelay = "00:00:01", string clientId = "vsa-fleet-test") => new()
    {
        ["Fleet:Broker:Mode"] = "External",
        ["Fleet:Broker:Host"] = _mosquitto.Host,
        ["Fleet:Broker:Port"] = _mosquitto.Port.ToString(CultureInfo.InvariantCulture),
        ["Fleet:Broker:ClientId"] = clientId,
        ["Fleet:Broker:ReconnectMinDelay"] = reconnectMinDelay,
        ["Fleet:Broker:ReconnectMaxDelay"] = "00:00:02",
    };
}
