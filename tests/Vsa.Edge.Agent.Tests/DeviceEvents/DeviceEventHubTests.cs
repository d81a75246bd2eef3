using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.DeviceEvents;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.DeviceEvents;

public sealed class DeviceEventHubTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Raise_CameraOffline_StampsQueuesAndKeepsIt()
    {
        var hub = new DeviceEventHub("pole-12", _clock, NullLogger<DeviceEventHub>.Instance);

        hub.Raise(DeviceEventKind.CameraOffline, "cam-1", "no frame for 00:00:10", null);

        Assert.True(hub.Pending.TryRead(out var e));
        Assert.Equal((DeviceEvent.SchemaId, 1, "pole-12", DeviceEventKind.CameraOffline, "cam-1"), (e.Schema, e.SchemaVersion, e.DeviceId, e.Kind, e.CameraId));
        Assert.Equal(_clock.GetUtcNow(), e.At);
        Assert.Equal(7, Guid.Parse(e.MessageId).Version);
        Assert.Same(e, Assert.Single(hub.Recent));
        Assert.False(hub.IsCameraOnline("cam-1"));
        Assert.Null(hub.IsCameraOnline("cam-2"));
    }

    [Fact]
    public void Condition_FollowsCamerasTamperAndMaintenance()
    {
        var hub = new DeviceEventHub("pole-12", _clock, NullLogger<DeviceEventHub>.Instance);
        var seen = new List<DeviceCondition>();
        using var subscription = hub.OnConditionChanged(seen.Add);

        Assert.Equal(DeviceCondition.Degraded, hub.Condition);
        hub.Raise(DeviceEventKind.CameraOnline, "cam-1", null, null);
        hub.Raise(DeviceEventKind.CameraOnline, "cam-2", null, null);
        hub.Raise(DeviceEventKind.CameraOffline, "cam-2", "lost", null);
        hub.Raise(DeviceEventKind.CameraOffline, "cam-1", "lost", null);
        hub.Raise(DeviceEventKind.CameraOnline, "cam-1", null, null);
        hub.Raise(DeviceEventKind.CameraOnline, "cam-2", null, null);
        hub.Raise(DeviceEventKind.MaintenanceOn, null, "switch", null);
        hub.Raise(DeviceEventKind.Tamper, null, "enclosure opened", null);
        hub.Raise(DeviceEventKind.MaintenanceOff, null, "switch", 0);
        hub.Raise(DeviceEventKind.TamperCleared, null, "enclosure closed", null);

        Assert.Equal(
            [DeviceCondition.Ok, DeviceCondition.Degraded, DeviceCondition.Error, DeviceCondition.Degraded, DeviceCondition.Ok, DeviceCondition.Degraded, DeviceCondition.Error, DeviceCondition.Ok],
            seen);
    }

    [Fact]
    public void Pending_NobodyReads_KeepsTheNewestAndCountsTheDropped()
    {
        var hub = new DeviceEventHub("pole-12", _clock, NullLogger<DeviceEventHub>.Instance);

        for (var i = 0; i < DeviceEventHub.Capacity + 5; i++)
        {
            hub.Raise(DeviceEventKind.CameraOffline, $"cam-{i}", null, null);
        }

        Assert.Equal(5, hub.Dropped);
        Assert.True(hub.Pending.TryRead(out var oldest));
        Assert.Equal("cam-5", oldest.CameraId);
        Assert.Equal(64, hub.Recent.Count);
    }

    [Fact]
    public void DeviceEvent_RoundTrip_IsLosslessWithSnakeCaseKindAndNullsOmitted()
    {
        var e = new DeviceEvent(DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, Guid.CreateVersion7().ToString(), "pole-12", DeviceEventKind.MaintenanceOff, _clock.GetUtcNow(), null, "maintenance switch", 3);

        var json = JsonSerializer.Serialize(e, ContractsJsonContext.Default.DeviceEvent);
        var back = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.DeviceEvent);
        var node = JsonNode.Parse(json)!.AsObject();

        Assert.Equal(e, back);
        Assert.Equal("maintenance_off", (string?)node["kind"]);
        Assert.Equal(3, (long?)node["suppressedAlerts"]);
        Assert.False(node.ContainsKey("cameraId"));
        Assert.Equal("vsa/v1/pole-12/events", Topics.Events("pole-12"));
        Assert.Equal("pole-12", Topics.DeviceIdOf(Topics.Events("pole-12")));
    }

    [Fact]
    public void AsyncApi_DeviceEventKinds_AreTheContractsWireNames()
    {
        var asyncApi = File.ReadAllText(Path.Combine(Testing.TestAssets.RepositoryRoot, "docs", "asyncapi.yaml"));
        var kinds = Enum.GetValues<DeviceEventKind>().Select(k => JsonSerializer.Serialize(k, ContractsJsonContext.Default.DeviceEventKind).Trim('"'));

        Assert.Contains($"enum: [{string.Join(", ", kinds)}]", asyncApi, StringComparison.Ordinal);
        Assert.Contains("address: vsa/v1/{deviceId}/events", asyncApi, StringComparison.Ordinal);
    }
}
