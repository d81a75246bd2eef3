using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Configuration.Tests;

public sealed class CameraConfigLoaderTests
{
    internal const string ValidJson = """
        {
          // comments and trailing commas are tolerated: people edit this file by hand
          "cameraId": "cam-1",
          "name": "Parvis",
          "source": "rtsp://10.0.0.5/stream1",
          "zones": [
            { "id": "parvis", "name": "Parvis", "polygon": [[0.1, 0.5], [0.6, 0.5], [0.6, 0.95], [0.1, 0.95]] },
            { "id": "quai", "polygon": [[0.7, 0.1], [0.9, 0.1], [0.8, 0.4]] },
          ],
          "events": [
            { "type": "intrusion", "zones": ["parvis"], "categories": ["person", "vehicle"], "minDurationSeconds": 2, "enabled": true },
            { "type": "intrusion", "zones": ["quai"], "categories": ["person"], "minDurationSeconds": 0 }
          ]
        }
        """;

    [Fact]
    public void Parse_ValidFile_ReadsEveryField()
    {
        var config = CameraConfigLoader.Parse(ValidJson);

        Assert.Equal("cam-1", config.CameraId);
        Assert.Equal("Parvis", config.Name);
        Assert.Equal("rtsp://10.0.0.5/stream1", config.Source);
        Assert.Equal(["parvis", "quai"], config.Zones.Select(z => z.Id));
        Assert.Equal(4, config.Zones[0].Polygon.Count);
        Assert.Equal(0.95f, config.Zones[0].Polygon[2][1]);
        Assert.Null(config.Zones[1].Name);
        var ev = config.Events[0];
        Assert.Equal("intrusion", ev.Type);
        Assert.Equal(["parvis"], ev.Zones);
        Assert.Equal(["person", "vehicle"], ev.Categories);
        Assert.Equal(2, ev.MinDurationSeconds);
        Assert.True(config.Events[1].Enabled); // defaults to enabled when omitted
        Assert.Empty(CameraConfigLoader.Validate(config));
    }

    [Fact]
    public void Load_ValidFile_ReadsIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"camera-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, ValidJson);
        try
        {
            Assert.Equal("cam-1", CameraConfigLoader.Load(path).CameraId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MissingFile_ThrowsConfigExceptionNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json");

        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Load(path));

        Assert.StartsWith(path, Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"type\": \"intrusion\"", "\"type\": \"violence\"", "events[0].type: 'violence' is not one of the eight authorised events (intrusion, wrong_way,")]
    [InlineData("[[0.7, 0.1], [0.9, 0.1], [0.8, 0.4]]", "[[0.7, 0.1], [0.9, 0.4], [0.9, 0.1], [0.7, 0.4]]", "zones[1].polygon: self-intersecting")]
    [InlineData("\"zones\": [\"parvis\"]", "\"zones\": [\"parvis\", \"gare\"]", "events[0].zones[1]: unknown zone 'gare'")]
    [InlineData("[0.6, 0.95]", "[1.2, 0.95]", "zones[0].polygon[2]: coordinate (1.2, 0.95) outside [0, 1]")]
    [InlineData("\"id\": \"quai\"", "\"id\": \"parvis\"", "zones[1].id: duplicate zone id 'parvis'")]
    [InlineData("[[0.7, 0.1], [0.9, 0.1], [0.8, 0.4]]", "[[0.7, 0.1], [0.9, 0.1]]", "zones[1].polygon: needs at least 3 points, got 2")]
    [InlineData("\"minDurationSeconds\": 2", "\"minDurationSeconds\": -1", "events[0].minDurationSeconds: -1 must be")]
    [InlineData("\"cameraId\": \"cam-1\",", "", "cameraId: missing")]
    [InlineData("\"type\": \"intrusion\"", "\"type\": \"wrong_way\"", "events[0].zones[0]: zone 'parvis' has no allowedDirection, which wrong_way needs")]
    [InlineData("\"minDurationSeconds\": 2,", "\"minDurationSeconds\": 2, \"cooldownSeconds\": -1,", "events[0].cooldownSeconds: -1 must be")]
    [InlineData("[[0.7, 0.1], [0.9, 0.1], [0.8, 0.4]]", "[[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]]", "zones[1].polygon: self-intersecting")]
    [InlineData("[[0.7, 0.1], [0.9, 0.1], [0.8, 0.4]]", "[[0.5, 0.5], [0.5005, 0.5], [0.5, 0.5005]]", "zones[1].polygon: area 1.25E-07 is too small")]
    [InlineData("[0.6, 0.95]", "[0.6]", "zones[0].polygon[2]: expected [x, y]")]
    public void Parse_InvalidField_ErrorNamesTheField(string valid, string invalid, string expectedError)
    {
        var json = ReplaceOnce(ValidJson, valid, invalid);

        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Parse(json));

        Assert.Contains(e.Errors, error => error.StartsWith(expectedError, StringComparison.Ordinal));
        Assert.Contains(expectedError, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsEachOne()
    {
        var json = ReplaceOnce(ReplaceOnce(ValidJson, "\"type\": \"intrusion\"", "\"type\": \"violence\""), "[0.6, 0.95]", "[1.2, 0.95]");

        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Parse(json));

        Assert.Equal(2, e.Errors.Count);
    }

    [Fact]
    public void Parse_UnknownProperty_ErrorNamesItsPath()
    {
        var json = ReplaceOnce(ValidJson, "\"name\": \"Parvis\",", "\"name\": \"Parvis\", \"faceRecognition\": true,");

        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Parse(json));

        Assert.Contains("faceRecognition", Assert.Single(e.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MalformedJson_ThrowsConfigException()
    {
        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Parse("{ \"cameraId\": "));

        Assert.Single(e.Errors);
        Assert.IsType<CameraConfigException>(e);
    }

    [Fact]
    public void EventTypes_WireNames_MatchTheContractSerialisation()
    {
        foreach (var type in Enum.GetValues<EventType>())
        {
            var wire = JsonSerializer.Serialize(type).Trim('"');

            Assert.Equal(wire, EventTypes.ToWireName(type));
            Assert.True(EventTypes.TryParse(wire, out var parsed));
            Assert.Equal(type, parsed);
            Assert.Contains(wire, EventTypes.AllNames, StringComparison.Ordinal);
        }

        Assert.False(EventTypes.TryParse("Intrusion", out _));
    }

    private static string ReplaceOnce(string text, string oldValue, string newValue)
    {
        var index = text.IndexOf(oldValue, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{oldValue}' not in the test document");
        return string.Concat(text.AsSpan(0, index), newValue, text.AsSpan(index + oldValue.Length));
    }
}
