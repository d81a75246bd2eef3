using System.Net.Http.Json;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Devices;

/// <summary>Device events (tamper, maintenance, camera offline) folded into each device's conditions.</summary>
public sealed class DeviceConditionsTests
{
    // Recent: events published to a running fleet are refused outside its time window around the receipt time.
    private static readonly DateTimeOffset T0 = Samples.T0;

    private static DeviceEvent Event(DeviceEventKind kind, int seconds, string? cameraId = null, string deviceId = "pole-12") =>
        new(DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, Guid.CreateVersion7().ToString(), deviceId, kind, T0.AddSeconds(seconds), cameraId, "test", null);

    [Fact]
    public void Apply_SwitchesAndCameras_EachOrderedOnItsOwn()
    {
        var state = new DeviceConditionsState();

        state.Apply(Event(DeviceEventKind.Tamper, 10));
        state.Apply(Event(DeviceEventKind.MaintenanceOn, 5));
        state.Apply(Event(DeviceEventKind.CameraOffline, 20, "cam-2"));
        var late = state.Apply(Event(DeviceEventKind.TamperCleared, 8));
        var after = state.Apply(Event(DeviceEventKind.MaintenanceOff, 6))!;

        Assert.Null(late);
        Assert.Equal((true, false, T0.AddSeconds(10)), (after.Tamper, after.Maintenance, after.TamperAt));
        Assert.Equal(["cam-2"], after.CamerasOffline);
        var cleared = state.Apply(Event(DeviceEventKind.CameraOnline, 21, "cam-2"))!;
        Assert.Empty(cleared.CamerasOffline);
        Assert.Equal(["pole-12"], state.List().Select(c => c.DeviceId));
    }

    [Fact]
    public void Apply_ReasonQuotingCameraSource_PasswordMaskedInHeldAndListedEvent()
    {
        var state = new DeviceConditionsState();
        var offline = Event(DeviceEventKind.CameraOffline, 1, "cam-1") with { Reason = "rtspsrc location=rtsp://admin:p@ss@10.0.0.12/s user-pw=S3cret: timeout" };

        var changed = state.Apply(offline)!;

        Assert.Equal("rtspsrc location=rtsp://admin:***@10.0.0.12/s user-pw=*** timeout", changed.LastEvent.Reason);
        Assert.Equal(changed.LastEvent.Reason, Assert.Single(state.List()).LastEvent.Reason);
    }

    [Fact]
    public async Task Ingestion_TamperEventPublished_ConditionsListedAndBroadcast()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        using var tap = fleet.Tap();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");

        await device.PublishRawAsync(Topics.Events(device.DeviceId), JsonSerializer.Serialize(Event(DeviceEventKind.Tamper, 0), ContractsJsonContext.Default.DeviceEvent));
        var live = await tap.WaitForAsync(LiveEventTypes.DeviceConditions, FleetJsonContext.Default.DeviceConditions, c => c.DeviceId == "pole-12");
        var listed = await auditor.GetFromJsonAsync("/api/devices/conditions", FleetJsonContext.Default.IReadOnlyListDeviceConditions);

        Assert.True(live.Tamper);
        Assert.True(Assert.Single(listed!).Tamper);
    }

    [Fact]
    public async Task Ingestion_EventClaimingAnotherDevice_RejectedAndNotApplied()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        using var tap = fleet.Tap();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");

        // pole-12 publishes, on its own topic, an event that claims to come from pole-99, then a genuine one.
        await device.PublishRawAsync(Topics.Events(device.DeviceId), JsonSerializer.Serialize(Event(DeviceEventKind.Tamper, 0, deviceId: "pole-99"), ContractsJsonContext.Default.DeviceEvent));
        await device.PublishRawAsync(Topics.Events(device.DeviceId), JsonSerializer.Serialize(Event(DeviceEventKind.MaintenanceOn, 1), ContractsJsonContext.Default.DeviceEvent));
        await tap.WaitForAsync(LiveEventTypes.DeviceConditions, FleetJsonContext.Default.DeviceConditions, c => c.DeviceId == "pole-12");

        var listed = (await auditor.GetFromJsonAsync("/api/devices/conditions", FleetJsonContext.Default.IReadOnlyListDeviceConditions))!;
        Assert.Equal(("pole-12", false, true), (Assert.Single(listed).DeviceId, listed[0].Tamper, listed[0].Maintenance));
        Assert.Equal(1, fleet.Statistics.RejectedCount(Vsa.Edge.FleetManager.Ingestion.RejectReason.DeviceMismatch));
    }
}
