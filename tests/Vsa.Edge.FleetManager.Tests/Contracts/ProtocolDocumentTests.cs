using System.Text.Json;
using System.Text.RegularExpressions;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Contracts;

/// <summary>docs/asyncapi.yaml says what the contracts do (a plain-text check: no YAML or JSON Schema library is pinned).</summary>
public sealed partial class ProtocolDocumentTests
{
    private static readonly string AsyncApi = File.ReadAllText(Path.Combine(TestAssets.RepositoryRoot, "docs", "asyncapi.yaml"));

    [Fact]
    public void AsyncApi_EventTypeEnum_IsTheContractsEightWireNames()
    {
        var expected = Enum.GetValues<EventType>().Select(e => JsonSerializer.Serialize(e, ContractsJsonContext.Default.EventType).Trim('"'));

        Assert.Equal(expected.Order(StringComparer.Ordinal), EnumStartingWith("intrusion").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AsyncApi_StateEnums_AreTheContractsWireNames()
    {
        Assert.Equal(Enum.GetValues<AlertState>().Select(s => JsonSerializer.Serialize(s, ContractsJsonContext.Default.AlertState).Trim('"')), EnumStartingWith("start"));
        Assert.Equal(Enum.GetValues<DeviceState>().Select(s => JsonSerializer.Serialize(s, ContractsJsonContext.Default.DeviceState).Trim('"')), EnumStartingWith("online"));
    }

    [Fact]
    public void AsyncApi_AlertMessageSchema_DeclaresEveryPropertyTheContractWrites()
    {
        var section = AsyncApi[AsyncApi.IndexOf("    AlertMessage:", StringComparison.Ordinal)..AsyncApi.IndexOf("    HealthMessage:", StringComparison.Ordinal)];
        var full = Samples.Next(Samples.AlertStart("pole-12"), AlertState.End, 1, 5) with { EndReason = AlertEndReason.Interrupted };
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(full, ContractsJsonContext.Default.AlertMessage));

        var declared = TopLevelProperty().Matches(section).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var written = json.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(written.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
        Assert.Contains("additionalProperties: false", section, StringComparison.Ordinal);
    }

    private static string[] EnumStartingWith(string first)
    {
        var match = Regex.Match(AsyncApi, $@"enum: \[({Regex.Escape(first)}[^\]]*)\]");
        Assert.True(match.Success, $"no enum starting with {first} in asyncapi.yaml");
        return [.. match.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries)];
    }

    // The AlertMessage properties sit at eight spaces of indentation under "properties:".
    [GeneratedRegex(@"^ {8}([a-zA-Z]+):", RegexOptions.Multiline)]
    private static partial Regex TopLevelProperty();
}
