using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>What the red team sent (issue 10): one message must not stop the fleet; it is refused, kept as a dead letter, and the next one is stored.</summary>
public sealed class HostileInputTests
{
    [Fact]
    public async Task Heartbeat_CameraFigureNaNWrittenAsString_RefusedAndTheNextHeartbeatStored()
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var hostile = JsonNode.Parse(JsonSerializer.Serialize(Samples.Health(device.DeviceId, Samples.T0), ContractsJsonContext.Default.HealthMessage))!;
        hostile["cameras"]![0]!["fps"] = "NaN";

        await device.PublishRawAsync(Topics.Health(device.DeviceId), hostile.ToJsonString());
        var next = await PublishAndWaitAsync(fleet, device, Samples.Health(device.DeviceId, Samples.T0.AddSeconds(5)));

        Assert.Equal(Samples.T0.AddSeconds(5), next.LastHeartbeatAt);
        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.InvalidContent));
        Assert.Equal(HttpStatusCode.OK, (await fleet.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("\"schema\":\"vsa.device-event")]
    [InlineData("\"reason\":\"no frame")]
    public async Task DeviceEvent_InvalidUtf8InsideAStringValue_RefusedAndTheNextMessageStored(string before)
    {
        await using var fleet = await FleetApp.StartAsync();
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var payload = WireSamples.Payload(MessageKind.Event, device.DeviceId, Samples.T0);
        payload[Encoding.UTF8.GetString(payload).IndexOf(before, StringComparison.Ordinal) + before.Length] = 0xC3;

        await device.PublishRawAsync(Topics.Events(device.DeviceId), payload);
        await PublishAndWaitAsync(fleet, device, Samples.Health(device.DeviceId, Samples.T0));

        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.InvalidUtf8));
        Assert.Equal(HttpStatusCode.OK, (await fleet.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task DeadLetters_RefusedMessages_ListedNewestFirstWithTheirHeadForAdminsAndAuditorsOnly()
    {
        await using var fleet = await FleetApp.StartAsync(new Dictionary<string, string?> { ["Fleet:Ingestion:DeadLetterPayloadBytes"] = "16" });
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var future = Samples.AlertStart(device.DeviceId, startedAt: new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero));

        await device.PublishAsync(future);
        await device.PublishRawAsync("vsa/v1/pole-12/alerts", "{\"schema\":\"vsa.alert\",\"schemaVersion\":1,\"eventType\":3}");
        await PublishAndWaitAsync(fleet, device, Samples.Health(device.DeviceId, Samples.T0));

        using var auditor = await fleet.ClientAsync(Role.Auditor);
        var letters = (await auditor.GetFromJsonAsync("/api/ingestion/dead-letters", FleetJsonContext.Default.IReadOnlyListDeadLetterView))!;
        Assert.Equal(["invalid_content", "timestamp_out_of_range"], letters.Select(l => l.Reason));
        var first = letters[1];
        Assert.Equal(("vsa/v1/pole-12/alerts", "pole-12", "alert"), (first.Topic, first.DeviceId, first.Kind));
        Assert.StartsWith("startedAt 9999-12-31", first.Detail, StringComparison.Ordinal);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(future, ContractsJsonContext.Default.AlertMessage).Length, first.PayloadBytes);
        Assert.Equal("{\"schema\":\"vsa.a", Encoding.UTF8.GetString(Convert.FromBase64String(first.PayloadHead)));
        Assert.True(letters[0].Id > first.Id);
        var page = await auditor.GetFromJsonAsync($"/api/ingestion/dead-letters?before={letters[0].Id}", FleetJsonContext.Default.IReadOnlyListDeadLetterView);
        Assert.Equal(first.Id, Assert.Single(page!).Id);

        using var operatorClient = await fleet.ClientAsync(Role.Operator);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync("/api/ingestion/dead-letters")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fleet.Http.GetAsync("/api/ingestion/dead-letters")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await auditor.GetAsync("/api/ingestion/dead-letters?limit=0")).StatusCode);
        Assert.Equal(1, fleet.Statistics.RejectedCount(RejectReason.TimestampOutOfRange));
    }

    [Fact]
    public async Task OpenApi_Document_ListsTheDeadLetterEndpoint()
    {
        await using var fleet = await FleetApp.StartAsync();

        var document = JsonNode.Parse(await fleet.Http.GetStringAsync("/openapi/v1.json"))!;

        Assert.NotNull(document["paths"]!["/api/ingestion/dead-letters"]?["get"]);
    }

    /// <summary>Publishes a valid heartbeat and waits until it is stored: the ingestion is alive and past everything sent before.</summary>
    private static async Task<DeviceView> PublishAndWaitAsync(FleetApp fleet, TestDevice device, HealthMessage health)
    {
        using var tap = fleet.Tap();
        await device.PublishAsync(health);
        return await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.DeviceId == device.DeviceId && d.LastHeartbeatAt == health.SentAt);
    }
}
