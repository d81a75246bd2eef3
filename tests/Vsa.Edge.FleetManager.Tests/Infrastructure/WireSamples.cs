using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>A valid message of each kind the fleet ingests, written by the contracts' own records and context, as a device sends it.</summary>
public static class WireSamples
{
    /// <summary>Every kind the ingestion subscribes to.</summary>
    public static IReadOnlyList<MessageKind> Kinds { get; } = Enum.GetValues<MessageKind>();

    /// <summary>The topic of <paramref name="kind"/> for <paramref name="deviceId"/>.</summary>
    public static string Topic(MessageKind kind, string deviceId) => kind switch
    {
        MessageKind.Alert => Topics.Alerts(deviceId),
        MessageKind.Health => Topics.Health(deviceId),
        MessageKind.Status => Topics.Status(deviceId),
        MessageKind.ConfigReported => Topics.ConfigReported(deviceId),
        MessageKind.ModelReported => Topics.ModelReported(deviceId),
        _ => Topics.Events(deviceId),
    };

    /// <summary>A valid payload of <paramref name="kind"/> from <paramref name="deviceId"/> at <paramref name="at"/> (fresh ids each call).</summary>
    public static byte[] Payload(MessageKind kind, string deviceId, DateTimeOffset at) => kind switch
    {
        MessageKind.Alert => JsonSerializer.SerializeToUtf8Bytes(Samples.AlertStart(deviceId, startedAt: at), ContractsJsonContext.Default.AlertMessage),
        MessageKind.Health => JsonSerializer.SerializeToUtf8Bytes(FullHealth(deviceId, at), ContractsJsonContext.Default.HealthMessage),
        MessageKind.Status => JsonSerializer.SerializeToUtf8Bytes(Samples.Status(deviceId, DeviceState.Online, at), ContractsJsonContext.Default.StatusMessage),
        MessageKind.ConfigReported => JsonSerializer.SerializeToUtf8Bytes(
            ConfigSamples.Reported(deviceId, at, applied: 3, cameras: [ConfigSamples.Camera()]) with
            {
                Authorisations = [new AuthorisationWindow("2026-DPG-0412", "Police municipale", ["intrusion"], ["cam-1"], at.AddDays(-1), at.AddDays(30))],
            },
            ContractsJsonContext.Default.ReportedConfigMessage),
        MessageKind.ModelReported => JsonSerializer.SerializeToUtf8Bytes(
            new ModelReportedMessage(ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, deviceId, at,
                [new ModelSlotReport("detector", "nanodet-coco", "2.0.0", new string('c', 64), "factory",
                    new ModelUpdateReport("nanodet-coco", "2.0.0", new string('c', 64), ModelUpdateState.Active, null, at, null, new ModelUpdateFigures(Fps: 9.5, FramesLost: 0)))]),
            ContractsJsonContext.Default.ModelReportedMessage),
        _ => JsonSerializer.SerializeToUtf8Bytes(
            new DeviceEvent(DeviceEvent.SchemaId, DeviceEvent.CurrentVersion, Samples.NewId(), deviceId, DeviceEventKind.CameraOffline, at, "cam-1", "no frame for 10 s", null),
            ContractsJsonContext.Default.DeviceEvent),
    };

    /// <summary>The same as a mutable JSON object.</summary>
    public static JsonObject Node(MessageKind kind, string deviceId, DateTimeOffset at) => JsonNode.Parse(Payload(kind, deviceId, at))!.AsObject();

    /// <summary>A heartbeat with every optional part (outbox, resources, runtime), so that each figure can be attacked.</summary>
    public static HealthMessage FullHealth(string deviceId, DateTimeOffset at) => Samples.Health(deviceId, at) with
    {
        Outbox = new OutboxHealth(2, 2048, 1.5, 40, 0, 0, 0, 0, 0),
        Resources = new ResourceHealth(0.7, 23.5, 6, 48.5, 47.0, 35.0, 180_000_000, 8_000_000_000, 5_000_000_000, 20_000_000_000, [new ThermalReading("CPU-therm", 48.5)]),
        Runtime = new RuntimeVersions("1.31.1", "10.0.0", "Ubuntu 22.04"),
    };
}
