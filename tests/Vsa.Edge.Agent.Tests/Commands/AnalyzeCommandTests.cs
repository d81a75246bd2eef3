using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Commands;

public sealed partial class AnalyzeCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-analyze-");
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task RunAsync_DemoClipEvery10WithCamera_WritesDetectionLinesAndAlertEvents()
    {
        var detections = Path.Combine(_dir.FullName, "detections.jsonl");
        var events = Path.Combine(_dir.FullName, "events.jsonl");

        var exit = await Analyze(
            "--source", TestAssets.DemoClip, "--camera", SampleCamera, "--every", "10",
            "--detections-out", detections, "--events-out", events, "--start", "2026-03-01T09:00:00Z");

        Assert.True(exit == 0, _stderr.ToString());
        var lines = File.ReadAllLines(detections);
        Assert.Equal(80, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.Matches(DetectionLine(), lines[i]);
            using var doc = JsonDocument.Parse(lines[i]);
            var root = doc.RootElement;
            Assert.Equal(i * 10, root.GetProperty("frame").GetInt32());
            var ts = DateTimeOffset.Parse(root.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture);
            Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).AddSeconds(i), ts);
            foreach (var obj in root.GetProperty("objects").EnumerateArray())
            {
                Assert.InRange(obj.GetProperty("score").GetDouble(), 0.5, 1.0);
                var box = obj.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal(4, box.Length);
                Assert.All(box, v => Assert.InRange(v, 0.0, 1.0));
                Assert.All(box, v => Assert.Equal(Math.Round(v, 4), v));
                Assert.InRange(box[0] + box[2], 0.0, 1.0001);
            }
        }

        // People are found on most frames, and confirmed tracks own some of them.
        Assert.True(lines.Count(l => l.Contains("\"class\": \"person\"", StringComparison.Ordinal)) >= 70);
        Assert.Contains(lines, l => TrackedPerson().IsMatch(l));

        var alerts = File.ReadAllLines(events).Select(l => JsonSerializer.Deserialize(l, ContractsJsonContext.Default.AlertMessage)!).ToList();
        Assert.Contains(alerts, a => a.State == AlertState.Start && a.EventType == EventType.Intrusion && a.ZoneId == "square");
        Assert.Contains(alerts, a => a.State == AlertState.End);
        foreach (var end in alerts.Where(a => a.State == AlertState.End))
        {
            Assert.Contains(alerts, a => a.AlertId == end.AlertId && a.State == AlertState.Start);
        }

        var summary = _stdout.ToString();
        Assert.Contains("frames: 80 processed", summary, StringComparison.Ordinal);
        Assert.Matches(@"alerts by event type:\n +event +starts +updates +ends +max measured\n  intrusion +[1-9]\d* +\d+ +[1-9]\d*  duration [0-9.]+ s", summary);
    }

    [Fact]
    public async Task RunAsync_Publish_DeliversEveryAlertToTheBrokerThenGoesOffline()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, "vsa/v1/replay-01/#");
        var events = Path.Combine(_dir.FullName, "events.jsonl");

        var exit = await Analyze(
            "--source", TestAssets.DemoClip, "--camera", SampleCamera, "--every", "10", "--events-out", events,
            "--publish", broker.Uri, "--device-id", "replay-01", "--development", "--data-dir", Path.Combine(_dir.FullName, "data"));

        Assert.True(exit == 0, _stderr.ToString());
        await subscriber.WaitForAsync(m => m.Topic == Topics.Status("replay-01") && m.Payload.Contains("\"offline\"", StringComparison.Ordinal));
        var written = File.ReadAllLines(events).Select(l => JsonSerializer.Deserialize(l, ContractsJsonContext.Default.AlertMessage)!.MessageId).ToList();
        var published = subscriber.Received
            .Where(m => m.Topic == Topics.Alerts("replay-01"))
            .Select(m => JsonSerializer.Deserialize(m.Payload, ContractsJsonContext.Default.AlertMessage)!)
            .ToList();
        Assert.NotEmpty(written);
        Assert.Equal(written, published.Select(a => a.MessageId));
        Assert.All(published, a => Assert.Equal("replay-01", a.DeviceId));
    }

    [Fact]
    public async Task RunAsync_PublishWithoutDevelopment_FailsWithUsageSayingWhyAndPublishesNothing()
    {
        await using var broker = await InProcessBroker.StartAsync();
        await using var subscriber = await RecordingSubscriber.ConnectAsync(broker.Port, "vsa/v1/replay-01/#");

        var exit = await Analyze(
            "--source", TestAssets.DemoClip, "--camera", SampleCamera, "--every", "10",
            "--publish", broker.Uri, "--device-id", "replay-01", "--data-dir", Path.Combine(_dir.FullName, "data"));

        Assert.Equal(AnalyzeCommand.ExitUsage, exit);
        var first = NonEmptyLines(_stderr)[0];
        Assert.StartsWith("error: ", first, StringComparison.Ordinal);
        Assert.Contains("'--development'", first, StringComparison.Ordinal);
        Assert.Contains("not covered by any authorisation", first, StringComparison.Ordinal);
        Assert.Empty(subscriber.Received);
    }

    [Fact]
    public async Task RunAsync_WithoutCamera_WritesDetectionsOnlyAndNoAlerts()
    {
        var detections = Path.Combine(_dir.FullName, "detections.jsonl");

        var exit = await Analyze("--source", TestAssets.DemoClip, "--every", "100", "--detections-out", detections);

        Assert.Equal(0, exit);
        Assert.Equal(8, File.ReadAllLines(detections).Length);
        Assert.Contains("alerts: none", _stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingSource_FailsWithAMessageNamingIt()
    {
        var missing = Path.Combine(_dir.FullName, "nope.avi");

        var exit = await Analyze("--source", missing);

        Assert.Equal(AnalyzeCommand.ExitSource, exit);
        var message = Assert.Single(NonEmptyLines(_stderr));
        Assert.Contains(missing, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_InvalidCameraFile_FailsNamingEveryField()
    {
        var camera = Path.Combine(_dir.FullName, "camera.json");
        File.WriteAllText(camera, """
            {
              "cameraId": "vtest",
              "source": "vtest.avi",
              "zones": [ { "id": "square", "polygon": [[0.1, 0.1], [1.7, 0.1], [0.5, 0.9]] } ],
              "events": [ { "type": "loitering", "zones": ["square"], "categories": ["person"], "minDurationSeconds": 2 } ]
            }
            """);

        var exit = await Analyze("--source", TestAssets.DemoClip, "--camera", camera);

        Assert.Equal(AnalyzeCommand.ExitCamera, exit);
        var errors = _stderr.ToString();
        Assert.Contains("zones[0].polygon[1]", errors, StringComparison.Ordinal);
        Assert.Contains("events[0].type", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CorruptModel_FailsWithShaMismatch()
    {
        var model = Path.Combine(_dir.FullName, "model");
        Directory.CreateDirectory(model);
        var manifest = File.ReadAllText(TestAssets.NanoDetManifest);
        File.WriteAllText(Path.Combine(model, "manifest.json"), manifest);
        File.WriteAllBytes(Path.Combine(model, "nanodet.onnx"), [1, 2, 3]);

        var exit = await Analyze("--source", TestAssets.DemoClip, "--model", model);

        Assert.Equal(AnalyzeCommand.ExitModel, exit);
        Assert.Contains("sha256", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--providers", "CPU,Metal", "'Metal'")]
    [InlineData("--every", "0", "'--every'")]
    [InlineData("--bogus", "1", "'--bogus'")]
    public async Task RunAsync_BadOption_FailsWithUsage(string option, string value, string named)
    {
        var exit = await Analyze("--source", TestAssets.DemoClip, option, value);

        Assert.Equal(AnalyzeCommand.ExitUsage, exit);
        var first = NonEmptyLines(_stderr)[0];
        Assert.StartsWith("error: ", first, StringComparison.Ordinal);
        Assert.Contains(named, first, StringComparison.Ordinal);
    }

    private static string SampleCamera => Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json");

    private Task<int> Analyze(params string[] args) =>
        new AnalyzeCommand(_stdout, _stderr, stderrIsTerminal: false, TimeProvider.System, NullLoggerFactory.Instance)
            .RunAsync(args, CancellationToken.None);

    private static string[] NonEmptyLines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // {"frame": 0, "ts": "2026-…Z", "objects": [{"class": "person", "score": 0.71, "box": [x, y, w, h], "trackId": 3}]}
    [GeneratedRegex("""^\{"frame": \d+, "ts": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", "objects": \[((\{"class": "[a-z ]+", "score": [0-9.]+, "box": \[[0-9.]+, [0-9.]+, [0-9.]+, [0-9.]+\], "trackId": (null|\d+)\})(, (?=\{))?)*\]\}$""")]
    private static partial Regex DetectionLine();

    [GeneratedRegex("""\{"class": "person", [^}]*"trackId": \d+\}""")]
    private static partial Regex TrackedPerson();
}
