using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>docs/asyncapi.yaml declares what the configuration contracts write; the decoder refuses malformed reports.</summary>
public sealed partial class ConfigProtocolTests
{
    private static readonly string AsyncApi = File.ReadAllText(Path.Combine(TestAssets.RepositoryRoot, "docs", "asyncapi.yaml"));

    [Fact]
    public void AsyncApi_ConfigSchemas_DeclareEveryPropertyTheContractsWrite()
    {
        var desired = new DesiredConfigMessage(DesiredConfigMessage.SchemaId, 1, "pole-12", 1, DateTimeOffset.UnixEpoch, [ConfigSamples.Camera()],
            [new AuthorisationWindow("A", "S", ["intrusion"], ["cam-1"], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1))]);
        var reported = ConfigSamples.Reported("pole-12", DateTimeOffset.UnixEpoch, applied: 1) with { RejectedSha256 = new string('a', 64) };
        using var signer = Vsa.Edge.Contracts.Signing.MessageSigner.CreateNew();
        var signed = signer.SignToJson(DesiredConfigMessage.SchemaId, JsonSerializer.SerializeToUtf8Bytes(desired, ContractsJsonContext.Default.DesiredConfigMessage));

        Assert.Equal(Written(JsonSerializer.Serialize(desired, ContractsJsonContext.Default.DesiredConfigMessage)), Declared("DesiredConfigMessage", "ReportedConfigMessage"));
        Assert.Equal(Written(JsonSerializer.Serialize(reported, ContractsJsonContext.Default.ReportedConfigMessage)), Declared("ReportedConfigMessage", "SignedMessage"));
        Assert.Equal(Written(Encoding.UTF8.GetString(signed)), Declared("SignedMessage", null));
        Assert.Contains("$ref: '#/components/schemas/SignedMessage'", AsyncApi, StringComparison.Ordinal);
        Assert.Contains("enum: [local, fleet]", AsyncApi, StringComparison.Ordinal);
        Assert.Contains("enum: [applied, rejected]", AsyncApi, StringComparison.Ordinal);
    }

    [Fact]
    public void DecodeConfigReported_ValidOrBroken_AcceptedOrReasonNamed()
    {
        var valid = ConfigSamples.Reported("pole-12", DateTimeOffset.UnixEpoch, applied: 2);

        Assert.True(Decode(valid, "pole-12").IsAccepted);
        Assert.Equal(RejectReason.DeviceMismatch, Decode(valid, "pole-13").Reason);
        var silentRejection = Decode(valid with { Status = ConfigApplyStatus.Rejected }, "pole-12");
        Assert.Equal((RejectReason.InvalidContent, "a rejected configuration must say why (errors)"), (silentRejection.Reason, silentRejection.Detail));
        Assert.Equal("appliedVersion is required when source is fleet", Decode(valid with { AppliedVersion = null }, "pole-12").Detail);
        Assert.Equal(RejectReason.UnknownSchema, PayloadDecoder.DecodeConfigReported(Encoding.UTF8.GetBytes("{\"schema\":\"vsa.status\",\"schemaVersion\":1}"), "pole-12", TimeWindow.Unbounded).Reason);
    }

    [Theory]
    [InlineData("vsa/v1/pole-12/config/reported", true)]
    [InlineData("vsa/v1/pole-12/config/desired", false)]
    [InlineData("vsa/v1/pole-12/config", false)]
    public void TryParse_ConfigTopics_OnlyReportedIsIngested(string topic, bool ingested)
    {
        Assert.Equal(ingested, TopicRoute.TryParse(topic, out var route));
        Assert.Equal(ingested ? MessageKind.ConfigReported : default, route.Kind);
    }

    private static Decoded<ReportedConfigMessage> Decode(ReportedConfigMessage message, string topicDeviceId) =>
        PayloadDecoder.DecodeConfigReported(JsonSerializer.SerializeToUtf8Bytes(message, ContractsJsonContext.Default.ReportedConfigMessage), topicDeviceId, TimeWindow.Unbounded);

    private static string[] Written(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }

    private static string[] Declared(string schema, string? next)
    {
        var start = AsyncApi.IndexOf($"    {schema}:", StringComparison.Ordinal);
        var end = next is null ? AsyncApi.Length : AsyncApi.IndexOf($"    {next}:", start, StringComparison.Ordinal);
        var section = AsyncApi[start..end];
        return [.. TopLevelProperty().Matches(section[section.IndexOf("properties:", StringComparison.Ordinal)..]).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal)];
    }

    // Properties of the schema sit at eight spaces of indentation under "properties:".
    [GeneratedRegex(@"^ {8}([a-zA-Z][a-zA-Z0-9]*):", RegexOptions.Multiline)]
    private static partial Regex TopLevelProperty();
}
