using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>Alerts published by a real MQTT client into the embedded broker, read back through the HTTP API.</summary>
public sealed class AlertIngestionTests
{
    [Fact]
    public async Task PublishAlert_QoS1_AppearsInApi()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Operator);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var alert = Samples.AlertStart(device.DeviceId);

        await device.PublishAsync(alert);
        await fleet.WaitForAlertAsync(alert.AlertId);

        var listed = await http.GetFromJsonAsync("/api/alerts", FleetJsonContext.Default.IReadOnlyListAlertView);
        var view = Assert.Single(listed!);
        Assert.Equal(alert.AlertId, view.AlertId);
        Assert.Equal("pole-12", view.DeviceId);
        Assert.Equal("cam-1", view.CameraId);
        Assert.Equal(EventType.Intrusion, view.EventType);
        Assert.Equal(AlertState.Start, view.State);
        Assert.Equal(alert.StartedAt, view.StartedAt);
        Assert.Equal("quai-nord", view.ZoneId);
        Assert.Equal(0.82, view.Confidence);
        Assert.Equal(alert.Measurement, view.Measurement);
        Assert.Equal(alert.Objects[0].Box, Assert.Single(view.Objects).Box);
        Assert.Equal(alert.Model, view.Model);
    }

    [Fact]
    public async Task PublishSameMessageTwice_StoresOneAlertAndCountsTheDuplicate()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Operator);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var alert = Samples.AlertStart(device.DeviceId);
        var marker = Samples.AlertStart(device.DeviceId);

        await device.PublishAsync(alert);
        await device.PublishAsync(alert);

        // Messages of one client are handled in order: once the marker is in, both copies have been handled.
        await device.PublishAsync(marker);
        await fleet.WaitForAlertAsync(marker.AlertId);

        var listed = await http.GetFromJsonAsync("/api/alerts", FleetJsonContext.Default.IReadOnlyListAlertView);
        Assert.Equal(2, listed!.Count);
        Assert.Single(listed, a => a.AlertId == alert.AlertId);
        Assert.Equal(1, await fleet.Services.GetRequiredService<AlertStore>().CountMessagesAsync(alert.AlertId, CancellationToken.None));
        Assert.Equal(1, fleet.Statistics.Snapshot().Duplicates);
    }

    [Fact]
    public async Task StartUpdateEnd_OneAlertInEndStateWithEveryMessageLogged()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Operator);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var start = Samples.AlertStart(device.DeviceId);
        var update = Samples.Next(start, AlertState.Update, 1, 5);
        var end = Samples.Next(start, AlertState.End, 2, 9.5);

        await device.PublishAsync(start);
        await device.PublishAsync(update);
        await device.PublishAsync(end);
        await fleet.WaitForAlertAsync(start.AlertId, a => a.State == AlertState.End);

        var listed = await http.GetFromJsonAsync("/api/alerts", FleetJsonContext.Default.IReadOnlyListAlertView);
        var view = Assert.Single(listed!);
        Assert.Equal(AlertState.End, view.State);
        Assert.Equal(2, view.Sequence);
        Assert.Equal(start.StartedAt, view.StartedAt);
        Assert.Equal(start.StartedAt.AddSeconds(9.5), view.EndedAt);
        Assert.Equal(9.5, view.Measurement!.Value);
        Assert.Equal(3, await fleet.Services.GetRequiredService<AlertStore>().CountMessagesAsync(start.AlertId, CancellationToken.None));
    }

    [Fact]
    public async Task EndArrivesBeforeStart_AlertStaysEndedAndStartIsStale()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Operator);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var start = Samples.AlertStart(device.DeviceId);
        var end = Samples.Next(start, AlertState.End, 1, 4);
        var marker = Samples.AlertStart(device.DeviceId);

        await device.PublishAsync(end);
        await device.PublishAsync(start);
        await device.PublishAsync(marker);
        await fleet.WaitForAlertAsync(marker.AlertId);

        var view = await http.GetFromJsonAsync($"/api/alerts/{start.AlertId}", FleetJsonContext.Default.AlertView);
        Assert.Equal(AlertState.End, view!.State);
        Assert.Equal(1, fleet.Statistics.Snapshot().Stale);
    }

    [Fact]
    public async Task MalformedPayload_IsIgnoredAndTheNextAlertStillIngested()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Operator);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var next = Samples.AlertStart(device.DeviceId);

        await device.PublishRawAsync(Topics.Alerts(device.DeviceId), "{\"schema\":\"vsa.alert\",");
        await device.PublishAsync(next);
        await fleet.WaitForAlertAsync(next.AlertId);

        var listed = await http.GetFromJsonAsync("/api/alerts", FleetJsonContext.Default.IReadOnlyListAlertView);
        Assert.Equal(next.AlertId, Assert.Single(listed!).AlertId);
        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.MalformedJson));
    }

    [Fact]
    public async Task PayloadDeviceIdDiffersFromTopic_IsRefused()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Operator);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var spoofed = Samples.AlertStart("pole-99");
        var genuine = Samples.AlertStart(device.DeviceId);

        // pole-12 publishes, on its own topic, an alert that claims to come from pole-99.
        await device.PublishRawAsync(Topics.Alerts(device.DeviceId), System.Text.Json.JsonSerializer.Serialize(spoofed, ContractsJsonContext.Default.AlertMessage));
        await device.PublishAsync(genuine);
        await fleet.WaitForAlertAsync(genuine.AlertId);

        var response = await http.GetAsync($"/api/alerts/{spoofed.AlertId}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.DeviceMismatch));
    }

    [Fact]
    public async Task AlertIdOfAnotherDevice_IsRefused()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Operator);
        await using var owner = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        await using var other = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-13");
        var original = Samples.AlertStart(owner.DeviceId);
        var hijack = Samples.Next(original, AlertState.End, 1, 3) with { DeviceId = other.DeviceId };
        var marker = Samples.AlertStart(other.DeviceId);

        await owner.PublishAsync(original);
        await fleet.WaitForAlertAsync(original.AlertId);
        await other.PublishAsync(hijack);
        await other.PublishAsync(marker);
        await fleet.WaitForAlertAsync(marker.AlertId);

        var view = await http.GetFromJsonAsync($"/api/alerts/{original.AlertId}", FleetJsonContext.Default.AlertView);
        Assert.Equal(AlertState.Start, view!.State);
        Assert.Equal("pole-12", view.DeviceId);
        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.ForeignAlert));
    }

    [Fact]
    public async Task UpdateChangingEventTypeAndCamera_CountedAsIdentityChangedAndNotApplied()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var http = await fleet.ClientAsync(Role.Auditor);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var original = Samples.AlertStart(device.DeviceId);
        var rewrite = Samples.Next(original, AlertState.Update, 1, 3) with { EventType = EventType.Fire, CameraId = "cam-9" };
        var marker = Samples.AlertStart(device.DeviceId);

        await device.PublishAsync(original);
        await fleet.WaitForAlertAsync(original.AlertId);
        await device.PublishAsync(rewrite);
        await device.PublishAsync(marker);
        await fleet.WaitForAlertAsync(marker.AlertId);

        var view = await http.GetFromJsonAsync($"/api/alerts/{original.AlertId}", FleetJsonContext.Default.AlertView);
        Assert.Equal((EventType.Intrusion, "cam-1", 0), (view!.EventType, view.CameraId, view.Sequence));
        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.AlertIdentityChanged));
    }

    [Fact]
    public async Task NewerSchemaVersion_IsRefusedAsUnsupported()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var future = Samples.AlertStart(device.DeviceId) with { SchemaVersion = 2 };
        var marker = Samples.AlertStart(device.DeviceId);

        await device.PublishAsync(future);
        await device.PublishAsync(marker);
        await fleet.WaitForAlertAsync(marker.AlertId);

        Assert.Null(await fleet.Services.GetRequiredService<AlertStore>().FindAsync(future.AlertId, CancellationToken.None));
        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.UnsupportedVersion));
    }
}
