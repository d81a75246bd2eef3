using System.Net.Http.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>Heartbeats and status messages keep the device registry.</summary>
public sealed class DeviceIngestionTests
{
    [Fact]
    public async Task Heartbeat_DeviceListedOnlineWithItsExecutionProvider()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Auditor);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        using var tap = fleet.Tap();

        await device.PublishAsync(Samples.Health(device.DeviceId, Samples.T0, executionProvider: "CUDA"));
        await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.DeviceId == device.DeviceId);

        var devices = await http.GetFromJsonAsync("/api/devices", FleetJsonContext.Default.IReadOnlyListDeviceView);
        var view = Assert.Single(devices!);
        Assert.Equal("pole-12", view.DeviceId);
        Assert.Equal(DeviceState.Online, view.Status);
        Assert.Equal("CUDA", view.ExecutionProvider);
        Assert.Equal("0.1.0", view.AgentVersion);
        Assert.Equal(Samples.T0, view.LastHeartbeatAt);
        Assert.Equal(4.9, Assert.Single(view.LastHealth!.Cameras).InferenceMsP50);
    }

    [Fact]
    public async Task StatusOffline_AfterHeartbeats_DeviceOffline()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Auditor);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        using var tap = fleet.Tap();
        var connectedAt = Samples.T0;

        await device.PublishAsync(Samples.Status(device.DeviceId, DeviceState.Online, connectedAt));
        await device.PublishAsync(Samples.Health(device.DeviceId, connectedAt.AddSeconds(10)));

        // The last will carries the time the agent connected, like its "online" status, and must still win.
        await device.PublishAsync(Samples.Status(device.DeviceId, DeviceState.Offline, connectedAt));
        await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.Status == DeviceState.Offline);

        var view = await http.GetFromJsonAsync($"/api/devices/{device.DeviceId}", FleetJsonContext.Default.DeviceView);
        Assert.Equal(DeviceState.Offline, view!.Status);
        Assert.Equal("TensorRT", view.ExecutionProvider);
        Assert.Equal(connectedAt.AddSeconds(10), view.LastHeartbeatAt);
    }

    [Fact]
    public async Task HeartbeatAfterOffline_DeviceBackOnline()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        using var tap = fleet.Tap();

        await device.PublishAsync(Samples.Status(device.DeviceId, DeviceState.Offline, Samples.T0));
        await device.PublishAsync(Samples.Health(device.DeviceId, Samples.T0.AddMinutes(5)));
        var view = await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.LastHeartbeatAt is not null);

        Assert.Equal(DeviceState.Online, view.Status);
    }

    [Fact]
    public async Task UnknownDevice_Returns404Problem()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Auditor);

        var response = await http.GetAsync("/api/devices/nobody");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
