using System.Text.Json;
using Vsa.Edge.Contracts;
using static Vsa.Edge.Agent.Core.Tests.Rules.RuleHarness;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

public sealed class AlertMessageJsonTests
{
    private static readonly string[] AllowedPaths =
    [
        "schema", "schemaVersion", "messageId", "alertId", "sequence", "deviceId", "cameraId", "eventType", "state",
        "startedAt", "observedAt", "endedAt", "zoneId", "confidence",
        "measurement", "measurement.name", "measurement.value", "measurement.unit",
        "objects", "objects[].class", "objects[].score", "objects[].box", "objects[].trackId",
        "model", "model.id", "model.version",
    ];

    [Fact]
    public void Serialize_StartAndEnd_ContainOnlyMetadataFields()
    {
        var h = new RuleHarness();
        h.Run(0, 3, 0.1, _ => [TestData.Track(7, Inside)]);
        h.Run(3, 4.1, 0.1, _ => []);
        Assert.Equal(2, h.Alerts.Count);

        foreach (var alert in h.Alerts)
        {
            var json = JsonSerializer.Serialize(alert, ContractsJsonContext.Default.AlertMessage);
            var paths = new SortedSet<string>(StringComparer.Ordinal);
            using (var doc = JsonDocument.Parse(json))
            {
                Collect(doc.RootElement, string.Empty, paths);
            }

            // Exactly the metadata fields; endedAt only on the end message (nulls are omitted).
            var expected = new SortedSet<string>(AllowedPaths, StringComparer.Ordinal);
            if (alert.State != AlertState.End)
            {
                expected.Remove("endedAt");
            }

            Assert.Equal(expected, paths);
            foreach (var forbidden in new[] { "image", "crop", "face", "identity", "person", "thumbnail", "snapshot", "frame", "embedding", "reid", "name" })
            {
                Assert.DoesNotContain(paths, p => p.Split('.', '[').Last().TrimEnd(']').Contains(forbidden, StringComparison.OrdinalIgnoreCase) && p != "measurement.name");
            }
        }

        var startJson = JsonSerializer.Serialize(h.Alerts[0], ContractsJsonContext.Default.AlertMessage);
        Assert.Contains("\"eventType\":\"intrusion\"", startJson, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"start\"", startJson, StringComparison.Ordinal);
        Assert.DoesNotContain("endedAt", startJson, StringComparison.Ordinal); // null fields are omitted
        Assert.Contains("endedAt", JsonSerializer.Serialize(h.Alerts[1], ContractsJsonContext.Default.AlertMessage), StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_Start_RoundTripsToAnEqualMessage()
    {
        var h = new RuleHarness();
        h.Run(0, 2.1, 0.1, _ => [TestData.Track(7, Inside)]);
        var start = Assert.Single(h.Alerts);

        var back = JsonSerializer.Deserialize(JsonSerializer.Serialize(start, ContractsJsonContext.Default.AlertMessage), ContractsJsonContext.Default.AlertMessage)!;

        Assert.Equal(start.AlertId, back.AlertId);
        Assert.Equal(start.StartedAt, back.StartedAt);
        Assert.Equal(start.Measurement, back.Measurement);
        Assert.Equal(start.Objects[0].Box, back.Objects[0].Box);
    }

    private static void Collect(JsonElement element, string prefix, SortedSet<string> paths)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                var path = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
                paths.Add(path);
                Collect(property.Value, path, paths);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in item.EnumerateObject())
                    {
                        var path = $"{prefix}[].{property.Name}";
                        paths.Add(path);
                        Collect(property.Value, path, paths);
                    }
                }
            }
        }
    }
}
