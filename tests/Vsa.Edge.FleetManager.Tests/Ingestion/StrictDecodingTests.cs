using System.Text;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>The fleet's strict reading of the wire: finite numbers, enums by name, UTF-8, one property each, timestamps in a window.</summary>
public sealed class StrictDecodingTests
{
    private const string Device = "pole-12";
    private static readonly DateTimeOffset ReceivedAt = Samples.T0;

    public static TheoryData<MessageKind> Kinds => [.. WireSamples.Kinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Decode_ValidMessageOfEachKind_Accepted(MessageKind kind)
    {
        var decoded = Decode(kind, WireSamples.Payload(kind, Device, ReceivedAt));

        Assert.True(decoded.Accepted, decoded.Detail);
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("\"9.8\"")]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    public void DecodeHealth_CameraFigureNotAFiniteNumber_RefusedAsInvalidContent(string value)
    {
        var node = WireSamples.Node(MessageKind.Health, Device, ReceivedAt);
        node["cameras"]![0]!["fps"] = JsonNode.Parse(value);

        var decoded = Decode(MessageKind.Health, Bytes(node));

        Assert.Equal(RejectReason.InvalidContent, decoded.Reason);
    }

    [Theory]
    [InlineData("resources", "cpuLoad1m", "1e309")]
    [InlineData("resources", "gpuTemperatureC", "\"NaN\"")]
    [InlineData("outbox", "oldestAgeSeconds", "\"-Infinity\"")]
    [InlineData("outbox", "depth", "-1")]
    public void DecodeHealth_OptionalFigureOutOfRange_RefusedAsInvalidContent(string part, string field, string value)
    {
        var node = WireSamples.Node(MessageKind.Health, Device, ReceivedAt);
        node[part]![field] = JsonNode.Parse(value);

        Assert.Equal(RejectReason.InvalidContent, Decode(MessageKind.Health, Bytes(node)).Reason);
    }

    [Theory]
    [InlineData(MessageKind.Alert, "eventType", "0")]
    [InlineData(MessageKind.Alert, "eventType", "\"0\"")]
    [InlineData(MessageKind.Alert, "state", "1")]
    [InlineData(MessageKind.Status, "state", "0")]
    [InlineData(MessageKind.Event, "kind", "2")]
    [InlineData(MessageKind.ConfigReported, "source", "1")]
    [InlineData(MessageKind.ConfigReported, "status", "0")]
    public void Decode_EnumAsInteger_RefusedAsInvalidContent(MessageKind kind, string field, string value)
    {
        var node = WireSamples.Node(kind, Device, ReceivedAt);
        node[field] = JsonNode.Parse(value);

        Assert.Equal(RejectReason.InvalidContent, Decode(kind, Bytes(node)).Reason);
    }

    [Theory]
    [InlineData(MessageKind.Alert, "eventType", "Intrusion")]
    [InlineData(MessageKind.Alert, "eventType", "INTRUSION")]
    [InlineData(MessageKind.Alert, "eventType", "violence")]
    [InlineData(MessageKind.Status, "state", "Online")]
    [InlineData(MessageKind.Event, "kind", "CameraOffline")]
    public void Decode_EnumNotItsWireName_RefusedAsInvalidContent(MessageKind kind, string field, string value)
    {
        var node = WireSamples.Node(kind, Device, ReceivedAt);
        node[field] = value;

        Assert.Equal(RejectReason.InvalidContent, Decode(kind, Bytes(node)).Reason);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Decode_InvalidUtf8InAStringValue_RefusedAsInvalidUtf8(MessageKind kind)
    {
        var payload = WireSamples.Payload(kind, Device, ReceivedAt);
        var at = Encoding.UTF8.GetString(payload).IndexOf(":\"vsa.", StringComparison.Ordinal) + 3;
        payload[at] = 0xFF;

        var decoded = Decode(kind, payload);

        Assert.Equal(RejectReason.InvalidUtf8, decoded.Reason);
        Assert.Contains($"byte {at}", decoded.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\\ud800", RejectReason.InvalidUtf8)]
    [InlineData("\\udc00x", RejectReason.InvalidUtf8)]
    [InlineData("a\\u0000b", RejectReason.InvalidContent)]
    public void DecodeEvent_EscapeThatNoStoreCanHold_Refused(string escaped, RejectReason expected)
    {
        var json = Encoding.UTF8.GetString(WireSamples.Payload(MessageKind.Event, Device, ReceivedAt)).Replace("no frame for 10 s", escaped, StringComparison.Ordinal);

        Assert.Equal(expected, Decode(MessageKind.Event, Encoding.UTF8.GetBytes(json)).Reason);
    }

    [Fact]
    public void DecodeEvent_TamperWithACameraIdHoldingANewline_RefusedAsInvalidContent()
    {
        var node = WireSamples.Node(MessageKind.Event, Device, ReceivedAt);
        node["kind"] = "tamper";
        node["cameraId"] = "cam-1\nforged log line";

        var decoded = Decode(MessageKind.Event, Bytes(node));

        Assert.Equal((RejectReason.InvalidContent, "cameraId contains a control character"), (decoded.Reason, decoded.Detail));
    }

    [Fact]
    public void DecodeStatus_PropertyTwice_RefusedAsInvalidContent()
    {
        var json = Encoding.UTF8.GetString(WireSamples.Payload(MessageKind.Status, Device, ReceivedAt)).Replace("\"state\":\"online\"", "\"state\":\"online\",\"state\":\"offline\"", StringComparison.Ordinal);

        var decoded = Decode(MessageKind.Status, Encoding.UTF8.GetBytes(json));

        Assert.Equal(RejectReason.InvalidContent, decoded.Reason);
        Assert.Contains("Duplicate", decoded.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeConfigReported_NestedDeeperThanTheLimit_RefusedAsMalformedJson()
    {
        var node = WireSamples.Node(MessageKind.ConfigReported, Device, ReceivedAt);
        var json = node.ToJsonString().Replace("\"cameras\":[", "\"cameras\":[" + new string('[', WireJson.MaxDepth) + new string(']', WireJson.MaxDepth) + ",", StringComparison.Ordinal);

        Assert.Equal(RejectReason.MalformedJson, Decode(MessageKind.ConfigReported, Encoding.UTF8.GetBytes(json)).Reason);
    }

    [Theory]
    [InlineData(MessageKind.Status, "at")]
    [InlineData(MessageKind.Health, "sentAt")]
    [InlineData(MessageKind.ConfigReported, "at")]
    [InlineData(MessageKind.Alert, "startedAt")]
    [InlineData(MessageKind.Alert, "observedAt")]
    [InlineData(MessageKind.Event, "at")]
    public void Decode_Year9999_RefusedAsTimestampOutOfRange(MessageKind kind, string field)
    {
        var node = WireSamples.Node(kind, Device, ReceivedAt);
        node[field] = "9999-12-31T23:59:59Z";

        var decoded = Decode(kind, Bytes(node));

        Assert.Equal(RejectReason.TimestampOutOfRange, decoded.Reason);
        Assert.StartsWith(field, decoded.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MessageKind.Alert, 4, true)]
    [InlineData(MessageKind.Alert, 6, false)]
    [InlineData(MessageKind.Alert, -29 * 24 * 60, true)]
    [InlineData(MessageKind.Health, -31 * 24 * 60, false)]
    [InlineData(MessageKind.Event, -31 * 24 * 60, false)]
    [InlineData(MessageKind.Status, -365 * 24 * 60, true)]
    [InlineData(MessageKind.ConfigReported, -3651 * 24 * 60, false)]
    public void Decode_TimestampAroundTheWindow_AcceptedOnlyInside(MessageKind kind, int minutesFromReceipt, bool accepted)
    {
        var decoded = Decode(kind, WireSamples.Payload(kind, Device, ReceivedAt.AddMinutes(minutesFromReceipt)));

        Assert.Equal(accepted, decoded.Accepted);
        Assert.Equal(accepted ? default : RejectReason.TimestampOutOfRange, decoded.Reason);
    }

    [Fact]
    public void DecodeAlert_EndedAtInTheFarFuture_Refused()
    {
        var node = WireSamples.Node(MessageKind.Alert, Device, ReceivedAt);
        node["state"] = "end";
        node["sequence"] = 1;
        node["endedAt"] = "2999-01-01T00:00:00Z";

        Assert.Equal(RejectReason.TimestampOutOfRange, Decode(MessageKind.Alert, Bytes(node)).Reason);
    }

    [Fact]
    public void DecodeAlert_PropertyNameInPascalCase_NotReadSoTheFieldIsMissing()
    {
        var node = WireSamples.Node(MessageKind.Alert, Device, ReceivedAt);
        var deviceId = node["deviceId"]!.DeepClone();
        node.Remove("deviceId");
        node["DeviceId"] = deviceId;

        Assert.Equal(RejectReason.InvalidContent, Decode(MessageKind.Alert, Bytes(node)).Reason);
    }

    [Fact]
    public void Printable_ControlCharactersAndLoneSurrogates_ReplacedAndCut()
    {
        Assert.Equal("a\uFFFDb\uFFFDc", WireJson.Printable("a\nb\ud800c", 10));
        Assert.Equal("abc…", WireJson.Printable("abcdef", 3));
        Assert.Equal(string.Empty, WireJson.Printable(null, 3));
    }

    /// <summary>Decodes <paramref name="payload"/> as <paramref name="kind"/> with the default window around <see cref="ReceivedAt"/>.</summary>
    internal static (bool Accepted, RejectReason Reason, string? Detail) Decode(MessageKind kind, byte[] payload)
    {
        var window = new IngestionOptions().WindowFor(kind, ReceivedAt);
        return kind switch
        {
            MessageKind.Alert => Outcome(PayloadDecoder.DecodeAlert(payload, Device, window)),
            MessageKind.Health => Outcome(PayloadDecoder.DecodeHealth(payload, Device, window)),
            MessageKind.Status => Outcome(PayloadDecoder.DecodeStatus(payload, Device, window)),
            MessageKind.ConfigReported => Outcome(PayloadDecoder.DecodeConfigReported(payload, Device, window)),
            MessageKind.ModelReported => Outcome(PayloadDecoder.DecodeModelReported(payload, Device, window)),
            _ => Outcome(PayloadDecoder.DecodeEvent(payload, Device, window)),
        };
    }

    private static (bool, RejectReason, string?) Outcome<T>(Decoded<T> decoded)
        where T : class => (decoded.IsAccepted, decoded.Reason, decoded.Detail);

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
