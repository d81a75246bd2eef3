using System.Globalization;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>Mosquitto's command-line clients as independent peers of the embedded broker.</summary>
public sealed class MosquittoClientTests
{
    private const string Pub = "/usr/bin/mosquitto_pub";
    private const string Sub = "/usr/bin/mosquitto_sub";

    [Fact]
    public async Task MosquittoPub_AlertIntoEmbeddedBroker_IsIngested()
    {
        await using var fleet = await FleetApp.StartAsync();
        var alert = Samples.AlertStart("pole-42") with { EventType = EventType.AbandonedObject };

        var result = await ExternalProcess.RunAsync(
            // The bench lets a client named as the device publish that device's topics.
            Pub, "-h", "127.0.0.1", "-p", fleet.BrokerPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5", "-q", "1", "-i", "pole-42",
            "-t", Topics.Alerts("pole-42"), "-m", JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage));
        Assert.True(result.ExitCode == 0, result.StandardError);
        var view = await fleet.WaitForAlertAsync(alert.AlertId);

        Assert.Equal(EventType.AbandonedObject, view.EventType);
        Assert.Equal("pole-42", view.DeviceId);
    }

    [Fact]
    public async Task MosquittoSub_RetainedStatusOnEmbeddedBroker_IsReceivedByALateSubscriber()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-42");
        var status = Samples.Status(device.DeviceId, DeviceState.Online, Samples.T0);
        await device.PublishAsync(status);

        // A video-management system subscribing later still learns the device's state from the retained message.
        var result = await ExternalProcess.RunAsync(
            Sub, "-h", "127.0.0.1", "-p", fleet.BrokerPort.ToString(CultureInfo.InvariantCulture), "-V", "mqttv5",
            "-t", Topics.Status(device.DeviceId), "-C", "1", "-W", "10");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(status, JsonSerializer.Deserialize(result.StandardOutput.Trim(), ContractsJsonContext.Default.StatusMessage));
    }
}
