using Vsa.Edge.Testing;

namespace Vsa.Edge.Configuration.Tests;

public sealed class CameraConfigFeatureTests
{
    /// <summary>Every feature of camera.json; docs/events.md shows the same document.</summary>
    internal const string FullJson = """
        {
          "cameraId": "gare-hall-3",
          "name": "Gare, hall 3",
          "source": "rtsp://10.0.0.5/stream1",
          "timeZone": "Europe/Paris",
          "calibration": {
            "points": [
              { "image": [0.20, 0.95], "world": [0, 0] },
              { "image": [0.80, 0.95], "world": [10, 0] },
              { "image": [0.65, 0.45], "world": [10, 20] },
              { "image": [0.35, 0.45], "world": [0, 20] }
            ]
          },
          "privacyMasks": [
            { "id": "flats", "polygon": [[0.0, 0.0], [0.3, 0.0], [0.3, 0.12], [0.0, 0.12]] }
          ],
          "zones": [
            { "id": "hall", "name": "Hall", "polygon": [[0.30, 0.50], [0.70, 0.50], [0.75, 0.90], [0.25, 0.90]] },
            { "id": "corridor", "polygon": [[0.02, 0.30], [0.20, 0.30], [0.20, 0.98], [0.02, 0.98]], "allowedDirection": { "vector": [0, -1] } },
            { "id": "stairs", "polygon": [[0.80, 0.20], [0.98, 0.20], [0.98, 0.98], [0.80, 0.98]], "allowedDirection": { "fromLine": "stairs-foot", "toLine": "stairs-top" } }
          ],
          "lines": [
            { "id": "gate", "name": "Service gate", "points": [[0.50, 0.95], [0.50, 0.60]], "forbidden": "left_to_right" },
            { "id": "stairs-foot", "points": [[0.80, 0.95], [0.98, 0.95]] },
            { "id": "stairs-top", "points": [[0.80, 0.25], [0.98, 0.25]] }
          ],
          "events": [
            {
              "type": "intrusion", "zones": ["hall"], "lines": ["gate"], "categories": ["person"],
              "minDurationSeconds": 2, "cooldownSeconds": 60,
              "parameters": { "lineMargin": 0.01, "lineHoldSeconds": 0.3 },
              "schedule": { "days": ["mon", "tue", "wed", "thu", "fri"], "hours": ["22:00-06:00"] }
            },
            { "type": "wrong_way", "zones": ["corridor", "stairs"], "parameters": { "minDistanceMetres": 2, "windowSeconds": 1.5 } },
            { "type": "crowd_density", "zones": ["hall"], "minDurationSeconds": 10, "parameters": { "maxDensity": 2.5 } },
            { "type": "crowd_movement", "zones": ["hall"], "parameters": { "minTracks": 8, "minFraction": 0.5 } },
            { "type": "person_down", "minDurationSeconds": 5 },
            { "type": "abandoned_object", "zones": ["hall"], "minDurationSeconds": 60, "parameters": { "radiusMetres": 3 } },
            { "type": "weapon", "parameters": { "minScore": 0.6 } },
            { "type": "fire", "minDurationSeconds": 5, "enabled": true }
          ]
        }
        """;

    [Fact]
    public void Parse_EveryFeature_ReadsAndValidatesIt()
    {
        var config = CameraConfigLoader.Parse(FullJson);

        Assert.Equal("Europe/Paris", config.TimeZone);
        Assert.Equal(4, config.Calibration!.Points.Count);
        Assert.Equal([0.0, 20.0], config.Calibration.Points[3].World);
        Assert.Equal("flats", Assert.Single(config.PrivacyMasks!).Id);
        Assert.Equal(["gate", "stairs-foot", "stairs-top"], config.Lines!.Select(l => l.Id));
        Assert.Equal("left_to_right", config.Lines![0].Forbidden);
        Assert.Null(config.Lines![1].Forbidden);
        Assert.Equal([0f, -1f], config.Zones[1].AllowedDirection!.Vector!);
        Assert.Equal(("stairs-foot", "stairs-top"), (config.Zones[2].AllowedDirection!.FromLine, config.Zones[2].AllowedDirection!.ToLine));
        var intrusion = config.Events[0];
        Assert.Equal(["gate"], intrusion.Lines!);
        Assert.Equal(60, intrusion.CooldownSeconds);
        Assert.Equal(0.3, intrusion.Parameters!["lineHoldSeconds"]);
        Assert.Equal(["22:00-06:00"], intrusion.Schedule!.Hours!);
        Assert.Null(config.Events[4].Zones); // person_down over the whole frame
        Assert.Null(config.Events[4].Categories); // default: person
        Assert.Equal(8, config.Events.Count);
    }

    [Fact]
    public void Parse_DocsExample_IsTheSameValidDocument()
    {
        var docs = File.ReadAllText(Path.Combine(TestAssets.RepositoryRoot, "docs", "events.md"));
        var start = docs.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        var json = docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];

        var config = CameraConfigLoader.Parse(json);

        Assert.Equal(CameraConfigLoader.Parse(FullJson).Events.Count, config.Events.Count);
        Assert.Equal(8, config.Events.Select(e => e.Type).Distinct().Count());
    }

    [Fact]
    public void Load_ShippedVtestSample_IsValid()
    {
        var config = CameraConfigLoader.Load(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json"));

        Assert.Equal("vtest", config.CameraId);
    }

    [Theory]
    [InlineData("{ \"image\": [0.35, 0.45], \"world\": [0, 20] }", "{ \"image\": [0.50, 0.95], \"world\": [0, 20] }", "calibration.points: degenerate, image points 0, 1 and 3 are collinear")]
    [InlineData("{ \"image\": [0.35, 0.45], \"world\": [0, 20] }", "{ \"image\": [0.20, 0.95], \"world\": [0, 20] }", "calibration.points[3].image: duplicates points[0].image")]
    [InlineData("{ \"image\": [0.35, 0.45], \"world\": [0, 20] }", "{ \"image\": [0.35, 0.45], \"world\": [0, 0] }", "calibration.points[3].world: duplicates points[0].world")]
    [InlineData("{ \"image\": [0.65, 0.45], \"world\": [10, 20] },", "{ \"image\": [0.65, 0.45], \"world\": [5, 0] },", "calibration.points: degenerate, world points 0, 1 and 2 are collinear")]
    [InlineData(",\n      { \"image\": [0.35, 0.45], \"world\": [0, 20] }", "", "calibration.points: needs at least 4 image/world point pairs, got 3")]
    [InlineData("\"world\": [0, 20]", "\"world\": [0]", "calibration.points[3].world: expected [x, y] in metres")]
    [InlineData("[[0.0, 0.0], [0.3, 0.0], [0.3, 0.12], [0.0, 0.12]]", "[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]", "privacyMasks[0].polygon: covers the whole frame")]
    [InlineData("[[0.0, 0.0], [0.3, 0.0], [0.3, 0.12], [0.0, 0.12]] }", "[[0.0, 0.0], [1.0, 0.0], [1.0, 0.6], [0.0, 0.6]] }, { \"id\": \"b\", \"polygon\": [[0.0, 0.5], [1.0, 0.5], [1.0, 1.0], [0.0, 1.0]] }", "privacyMasks: together they cover the whole frame")]
    [InlineData("[[0.0, 0.0], [0.3, 0.0], [0.3, 0.12], [0.0, 0.12]]", "[[0.0, 0.0], [0.3, 0.12], [0.3, 0.0], [0.0, 0.12]]", "privacyMasks[0].polygon: self-intersecting")]
    [InlineData("[[0.30, 0.50], [0.70, 0.50], [0.75, 0.90], [0.25, 0.90]]", "[[0.30, 0.50], [0.75, 0.90], [0.70, 0.50], [0.25, 0.90]]", "zones[0].polygon: self-intersecting")]
    [InlineData("\"type\": \"weapon\"", "\"type\": \"loitering\"", "events[6].type: 'loitering' is not one of the eight authorised events")]
    [InlineData("\"forbidden\": \"left_to_right\"", "\"forbidden\": \"up\"", "lines[0].forbidden: 'up' is not one of left_to_right, right_to_left, both")]
    [InlineData("[[0.50, 0.95], [0.50, 0.60]]", "[[0.50, 0.95], [0.50, 0.60], [0.4, 0.4]]", "lines[0].points: needs exactly 2 points, got 3")]
    [InlineData("[[0.50, 0.95], [0.50, 0.60]]", "[[0.50, 0.95], [0.502, 0.95]]", "lines[0].points: the line is 0.002 long")]
    [InlineData("{ \"id\": \"gate\",", "{ \"id\": \"hall\",", "lines[0].id: duplicate id 'hall'")]
    [InlineData("\"vector\": [0, -1]", "\"vector\": [0, 0]", "zones[1].allowedDirection.vector: expected a non-zero [dx, dy]")]
    [InlineData("\"fromLine\": \"stairs-foot\"", "\"fromLine\": \"nowhere\"", "zones[2].allowedDirection.fromLine: unknown line 'nowhere'")]
    [InlineData("\"fromLine\": \"stairs-foot\", ", "\"vector\": [1, 0], \"fromLine\": \"stairs-foot\", ", "zones[2].allowedDirection: give either vector or fromLine and toLine")]
    [InlineData("\"zones\": [\"corridor\", \"stairs\"]", "\"zones\": [\"corridor\", \"hall\"]", "events[1].zones[1]: zone 'hall' has no allowedDirection, which wrong_way needs")]
    [InlineData("\"maxDensity\": 2.5", "\"maxDensty\": 2.5", "events[2].parameters.maxDensty: unknown parameter of crowd_density")]
    [InlineData("\"maxDensity\": 2.5", "\"maxDensity\": 50", "events[2].parameters.maxDensity: 50 outside [0.1, 10] persons/m2")]
    [InlineData("\"maxDensity\": 2.5", "\"maxCount\": 30", "events[2].parameters.maxCount: applies to uncalibrated cameras only")]
    [InlineData("\"type\": \"crowd_density\", \"zones\": [\"hall\"]", "\"type\": \"crowd_density\", \"zones\": []", "events[2].zones: at least one zone is required")]
    [InlineData("\"type\": \"crowd_density\", \"zones\": [\"hall\"]", "\"type\": \"crowd_density\", \"zones\": [\"gate\"]", "events[2].zones[0]: unknown zone 'gate' (it is a line: list it under lines)")]
    [InlineData("\"type\": \"person_down\",", "\"type\": \"person_down\", \"categories\": [\"vehicle\"],", "events[4].categories[0]: person_down concerns persons only, not 'vehicle'")]
    [InlineData("\"type\": \"abandoned_object\",", "\"type\": \"abandoned_object\", \"categories\": [\"bag\", \"person\"],", "events[5].categories[1]: 'person' can never be an abandoned object")]
    [InlineData("\"type\": \"abandoned_object\",", "\"type\": \"abandoned_object\", \"categories\": [\"vehicle\"],", "events[5].categories[0]: 'vehicle' can never be an abandoned object")]
    [InlineData("\"type\": \"weapon\",", "\"type\": \"weapon\", \"lines\": [\"gate\"],", "events[6].lines: only intrusion uses lines")]
    [InlineData("\"zones\": [\"hall\"], \"lines\": [\"gate\"]", "\"lines\": [\"fence\"]", "events[0].lines[0]: unknown line 'fence'")]
    [InlineData("\"zones\": [\"hall\"], \"lines\": [\"gate\"]", "\"zones\": []", "events[0].zones: intrusion needs at least one zone or line")]
    [InlineData("\"days\": [\"mon\",", "\"days\": [\"monday\",", "events[0].schedule.days[0]: 'monday' is not one of sun, mon, tue, wed, thu, fri, sat")]
    [InlineData("\"hours\": [\"22:00-06:00\"]", "\"hours\": [\"25:00-26:00\"]", "events[0].schedule.hours[0]: '25:00-26:00' is not a range \"HH:mm-HH:mm\"")]
    [InlineData("\"hours\": [\"22:00-06:00\"]", "\"hours\": [\"08:00-08:00\"]", "events[0].schedule.hours[0]: '08:00-08:00' is empty")]
    [InlineData("\"timeZone\": \"Europe/Paris\",", "\"timeZone\": \"Mars/Olympus\",", "timeZone: unknown time zone 'Mars/Olympus'")]
    [InlineData("\"timeZone\": \"Europe/Paris\",", "", "events[0].schedule: needs the camera's timeZone")]
    [InlineData("\"minDurationSeconds\": 10,", "\"minDurationSeconds\": -3,", "events[2].minDurationSeconds: -3 must be")]
    [InlineData("\"minScore\": 0.6", "\"minScore\": 1.5", "events[6].parameters.minScore: 1.5 outside [0.05, 1] score")]
    public void Parse_InvalidFeature_ErrorNamesTheField(string valid, string invalid, string expectedError)
    {
        var json = ReplaceOnce(FullJson, valid, invalid);

        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Parse(json));

        Assert.Contains(e.Errors, error => error.StartsWith(expectedError, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_MetricParameterWithoutCalibration_ErrorNamesTheField()
    {
        var start = FullJson.IndexOf("\"calibration\"", StringComparison.Ordinal);
        var end = FullJson.IndexOf("\"privacyMasks\"", StringComparison.Ordinal);
        var json = FullJson.Remove(start, end - start);

        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Parse(json));

        Assert.Contains("events[2].parameters.maxDensity: needs a ground calibration, the camera has none (use the frame-unit parameter)", e.Errors);
        Assert.Contains(e.Errors, m => m.StartsWith("events[1].parameters.minDistanceMetres: needs a ground calibration", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.StartsWith("events[5].parameters.radiusMetres: needs a ground calibration", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_DensityZoneBeyondTheHorizon_ErrorNamesTheZone()
    {
        // This calibration's horizon is at y ≈ 0.37; a zone reaching y = 0.2 has no finite area on the ground.
        var json = ReplaceOnce(
            ReplaceOnce(FullJson, "\"image\": [0.65, 0.45], \"world\": [10, 20]", "\"image\": [0.60, 0.50], \"world\": [10, 10]"),
            "\"image\": [0.35, 0.45], \"world\": [0, 20]",
            "\"image\": [0.40, 0.50], \"world\": [0, 10]");
        json = ReplaceOnce(ReplaceOnce(json, "[0.20, 0.95], \"world\"", "[0.10, 0.90], \"world\""), "[0.80, 0.95], \"world\"", "[0.90, 0.90], \"world\"");
        json = ReplaceOnce(json, "[[0.30, 0.50], [0.70, 0.50], [0.75, 0.90], [0.25, 0.90]]", "[[0.30, 0.20], [0.70, 0.20], [0.75, 0.90], [0.25, 0.90]]");

        var e = Assert.Throws<CameraConfigException>(() => CameraConfigLoader.Parse(json));

        Assert.Contains("events[2].zones[0]: zone 'hall' reaches beyond the calibrated ground's horizon, so its area in m² is undefined", e.Errors);
    }

    [Fact]
    public void PrivacyMaskPixels_FullHd_ScalesAndKeepsTheFrameEdge()
    {
        var config = CameraConfigLoader.Parse(FullJson) with
        {
            PrivacyMasks = [new("a", [[0f, 0f], [0.3f, 0f], [0.3f, 0.12f], [0f, 0.12f]]), new(null, [[0.5f, 0.5f], [1f, 0.5f], [1f, 1f]])],
        };

        var pixels = config.PrivacyMaskPixels(1920, 1080);

        Assert.Equal([(0, 0), (576, 0), (576, 130), (0, 130)], pixels[0]);
        Assert.Equal([(960, 540), (1920, 540), (1920, 1080)], pixels[1]);
        Assert.Empty(CameraConfigLoader.Parse(CameraConfigLoaderTests.ValidJson).PrivacyMaskPixels(640, 480));
    }

    private static string ReplaceOnce(string text, string oldValue, string newValue)
    {
        var index = text.IndexOf(oldValue, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{oldValue}' not in the test document");
        return string.Concat(text.AsSpan(0, index), newValue, text.AsSpan(index + oldValue.Length));
    }
}
