using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

public sealed class PayloadDecoderTests
{
    /// <summary>The default window around a receipt at <see cref="Samples.T0"/>.</summary>
    internal static readonly TimeWindow Window = new IngestionOptions().WindowFor(MessageKind.Alert, Samples.T0);

    [Fact]
    public void DecodeAlert_ValidPayload_Accepted()
    {
        var alert = Samples.AlertStart("pole-12");

        var decoded = PayloadDecoder.DecodeAlert(Encoding.UTF8.GetBytes(Json(alert)), "pole-12", Window);

        Assert.True(decoded.IsAccepted);
        Assert.Equal(alert.AlertId, decoded.Message!.AlertId);
    }

    [Theory]
    [InlineData("", RejectReason.MalformedJson)]
    [InlineData("[1,2]", RejectReason.MalformedJson)]
    [InlineData("{\"schema\":\"vsa.alert\"", RejectReason.MalformedJson)]
    [InlineData("{\"schema\":\"vsa.alert\",\"schemaVersion\":1} {}", RejectReason.MalformedJson)]
    [InlineData("{\"schemaVersion\":1}", RejectReason.UnknownSchema)]
    [InlineData("{\"schema\":\"vsa.health\",\"schemaVersion\":1}", RejectReason.UnknownSchema)]
    [InlineData("{\"schema\":\"vsa.alert\"}", RejectReason.UnsupportedVersion)]
    [InlineData("{\"schema\":\"vsa.alert\",\"schemaVersion\":2}", RejectReason.UnsupportedVersion)]
    [InlineData("{\"schema\":\"vsa.alert\",\"schemaVersion\":1}", RejectReason.InvalidContent)]
    public void DecodeAlert_BrokenEnvelope_RefusedWithReason(string payload, RejectReason expected)
    {
        var decoded = PayloadDecoder.DecodeAlert(Encoding.UTF8.GetBytes(payload), "pole-12", Window);

        Assert.False(decoded.IsAccepted);
        Assert.Equal(expected, decoded.Reason);
        Assert.False(string.IsNullOrWhiteSpace(decoded.Detail));
    }

    [Theory]
    [InlineData("eventType", "\"violence\"", "eventType")]
    [InlineData("eventType", "42", "eventType")]
    [InlineData("state", "\"update\"", "sequence 0")]
    [InlineData("endedAt", "\"2025-06-01T08:31:00Z\"", "endedAt")]
    [InlineData("sequence", "3", "sequence 0")]
    [InlineData("confidence", "1.5", "confidence")]
    [InlineData("messageId", "\"\"", "messageId")]
    [InlineData("cameraId", "\"cam/1\"", "cameraId")]
    [InlineData("objects", "null", "objects")]
    [InlineData("objects", "[{\"class\":\"person\",\"score\":0.9,\"box\":[0.1,0.2]}]", "objects[0]")]
    [InlineData("model", "{\"id\":\"\",\"version\":\"1\"}", "model")]
    public void DecodeAlert_FieldOutOfContract_RefusedAsInvalidContent(string field, string value, string mentioned)
    {
        var node = JsonNode.Parse(Json(Samples.AlertStart("pole-12")))!.AsObject();
        node[field] = JsonNode.Parse(value);

        var decoded = PayloadDecoder.DecodeAlert(Encoding.UTF8.GetBytes(node.ToJsonString()), "pole-12", Window);

        Assert.Equal(RejectReason.InvalidContent, decoded.Reason);
        Assert.Contains(mentioned, decoded.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeAlert_EndWithoutEndedAt_RefusedAsInvalidContent()
    {
        var node = JsonNode.Parse(Json(Samples.Next(Samples.AlertStart("pole-12"), AlertState.End, 1, 4)))!.AsObject();
        Assert.True(node.Remove("endedAt"));

        var decoded = PayloadDecoder.DecodeAlert(Encoding.UTF8.GetBytes(node.ToJsonString()), "pole-12", Window);

        Assert.Equal(RejectReason.InvalidContent, decoded.Reason);
        Assert.Contains("endedAt is required", decoded.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeAlert_OtherDevicesId_RefusedAsDeviceMismatch()
    {
        var decoded = PayloadDecoder.DecodeAlert(Encoding.UTF8.GetBytes(Json(Samples.AlertStart("pole-99"))), "pole-12", Window);

        Assert.Equal(RejectReason.DeviceMismatch, decoded.Reason);
    }

    [Fact]
    public void DecodeHealth_MissingExecutionProvider_Refused()
    {
        var node = JsonNode.Parse(JsonSerializer.Serialize(Samples.Health("pole-12", Samples.T0), ContractsJsonContext.Default.HealthMessage))!.AsObject();
        node.Remove("executionProvider");

        var decoded = PayloadDecoder.DecodeHealth(Encoding.UTF8.GetBytes(node.ToJsonString()), "pole-12", Window);

        Assert.Equal(RejectReason.InvalidContent, decoded.Reason);
        Assert.Contains("executionProvider", decoded.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeStatus_Valid_Accepted()
    {
        var status = Samples.Status("pole-12", DeviceState.Offline, Samples.T0);

        var decoded = PayloadDecoder.DecodeStatus(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(status, ContractsJsonContext.Default.StatusMessage)), "pole-12", Window);

        Assert.Equal(status, decoded.Message);
    }

    [Theory]
    [InlineData("vsa/v1/pole-12/alerts", true)]
    [InlineData("vsa/v1/pole-12/status", true)]
    [InlineData("vsa/v1/pole-12/alerts/extra", false)]
    [InlineData("vsa/v1/pole-12/config", false)]
    [InlineData("vsa/v2/pole-12/alerts", false)]
    [InlineData("vsa/v1//alerts", false)]
    public void TopicRoute_TryParse_AcceptsOnlyTheThreeTopics(string topic, bool expected)
    {
        Assert.Equal(expected, TopicRoute.TryParse(topic, out var route));
        if (expected)
        {
            Assert.Equal("pole-12", route.DeviceId);
        }
    }

    private static string Json(AlertMessage alert) => JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage);
}
