using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.ModelUpdates;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.ModelUpdates;

/// <summary><c>model/reported</c>: ingested through the real broker, newest kept, served by the device API; hostile variants refused with their reason.</summary>
public sealed class ModelReportIngestionTests
{
    private static readonly string Sha = new('b', 64);

    [Fact]
    public async Task ModelReported_ThroughTheBroker_StoredNewestFirstAndServedByTheDeviceApi()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        var newer = Report(device.DeviceId, Samples.T0.AddSeconds(10), ModelUpdateState.RolledBack, "soak: fps 3.1 below 0.8 × 9.7");
        var older = Report(device.DeviceId, Samples.T0, ModelUpdateState.Soaking, null);

        await device.PublishRawAsync(Topics.ModelReported(device.DeviceId), Json(newer), retain: true);
        await device.PublishRawAsync(Topics.ModelReported(device.DeviceId), Json(older), retain: true);
        await PublishAndWaitAsync(fleet, device);
        var view = (await auditor.GetFromJsonAsync("/api/devices/pole-12/models", ModelJsonContext.Default.DeviceModelsView))!;

        var slot = Assert.Single(view.Reported!.Models);
        Assert.Equal((ModelUpdateState.RolledBack, "soak: fps 3.1 below 0.8 × 9.7", 42L), (slot.Update!.State, slot.Update.Reason, slot.Update.Figures!.BytesDownloaded));
        Assert.Equal(newer.At, view.Reported.At);
        Assert.Empty(view.Desired);
    }

    [Theory]
    [InlineData("deviceId", "\"pole-13\"", RejectReason.DeviceMismatch)]
    [InlineData("models.0.kind", "\"segmenter\"", RejectReason.InvalidContent)]
    [InlineData("models.0.activeVersion", "\"2.0.0; rm -rf /\"", RejectReason.InvalidContent)]
    [InlineData("models.0.activeSha256", "\"ZZ\"", RejectReason.InvalidContent)]
    [InlineData("models.0.activeId", "\"a/b/#\"", RejectReason.InvalidContent)]
    [InlineData("models.0.update.state", "\"exploded\"", RejectReason.InvalidContent)]
    [InlineData("models.0.update.state", "3", RejectReason.InvalidContent)]
    [InlineData("models.0.update.reason", "null", RejectReason.InvalidContent)]
    [InlineData("models.0.update.figures.fps", "-1", RejectReason.InvalidContent)]
    [InlineData("models.0.update.figures.framesLost", "-5", RejectReason.InvalidContent)]
    [InlineData("models.0.update.at", "\"9999-01-01T00:00:00Z\"", RejectReason.TimestampOutOfRange)]
    [InlineData("models", "null", RejectReason.InvalidContent)]
    [InlineData("schemaVersion", "2", RejectReason.UnsupportedVersion)]
    public void Decode_HostileVariant_RefusedWithItsReason(string path, string value, RejectReason expected)
    {
        var node = JsonNode.Parse(Json(Report("pole-12", Samples.T0, ModelUpdateState.RolledBack, "soak failed")))!;
        var parts = path.Split('.');
        JsonNode target = node;
        foreach (var part in parts[..^1])
        {
            target = int.TryParse(part, out var index) ? target[index]! : target[part]!;
        }

        target[parts[^1]] = JsonNode.Parse(value);
        var window = new IngestionOptions().WindowFor(MessageKind.ModelReported, Samples.T0);

        var decoded = PayloadDecoder.DecodeModelReported(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()), "pole-12", window);

        Assert.False(decoded.IsAccepted);
        Assert.Equal(expected, decoded.Reason);
        Assert.False(string.IsNullOrEmpty(decoded.Detail));
    }

    [Fact]
    public void Decode_TwoEntriesOfOneKindOrTooMany_Refused()
    {
        var report = Report("pole-12", Samples.T0, ModelUpdateState.Active, null);
        var twice = report with { Models = [report.Models[0], report.Models[0]] };
        var many = report with { Models = [.. Enumerable.Repeat(report.Models[0], 9)] };
        var window = new IngestionOptions().WindowFor(MessageKind.ModelReported, Samples.T0);

        var decodedTwice = PayloadDecoder.DecodeModelReported(System.Text.Encoding.UTF8.GetBytes(Json(twice)), "pole-12", window);
        var decodedMany = PayloadDecoder.DecodeModelReported(System.Text.Encoding.UTF8.GetBytes(Json(many)), "pole-12", window);
        var decodedValid = PayloadDecoder.DecodeModelReported(System.Text.Encoding.UTF8.GetBytes(Json(report)), "pole-12", window);

        Assert.Contains("more than once", decodedTwice.Detail, StringComparison.Ordinal);
        Assert.Contains("at most 8", decodedMany.Detail, StringComparison.Ordinal);
        Assert.True(decodedValid.IsAccepted, decodedValid.Detail);
    }

    private static ModelReportedMessage Report(string deviceId, DateTimeOffset at, ModelUpdateState state, string? reason) =>
        new(ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, deviceId, at,
        [
            new ModelSlotReport("detector", "nanodet-coco", "1.0.0", Sha, "factory",
                new ModelUpdateReport("nanodet-coco", "2.0.0", Sha, state, reason, at, "rollout-1", new ModelUpdateFigures(BytesDownloaded: 42, Fps: 9.5, FramesLost: 0))),
        ]);

    private static string Json(ModelReportedMessage report) => JsonSerializer.Serialize(report, ContractsJsonContext.Default.ModelReportedMessage);

    // Messages of one client are handled in order: once its heartbeat is stored, the reports it sent before it are too.
    private static async Task PublishAndWaitAsync(FleetApp fleet, TestDevice device)
    {
        using var tap = fleet.Tap();
        var health = Samples.Health(device.DeviceId, Samples.T0.AddSeconds(30));
        await device.PublishAsync(health);
        await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.DeviceId == device.DeviceId && d.LastHeartbeatAt == health.SentAt);
    }
}
