using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Commands;

/// <summary>
/// One replay of the whole demo clip (one frame in four, 2.5 frames a second) with <c>Data/vtest-scenarios.json</c>,
/// shared by the tests below; how the zones were drawn is in <c>Data/README.md</c>.
/// </summary>
public sealed class DemoClipScenarioFixture : IAsyncLifetime
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-scenarios-");

    public string Summary { get; private set; } = "";

    public List<AlertMessage> Alerts { get; } = [];

    /// <summary>Track id → (time, box centre x, feet y) of every frame where a confirmed track owned a detection.</summary>
    public Dictionary<int, List<(DateTimeOffset Time, double X, double Y)>> Tracks { get; } = [];

    public static string CameraFile => Path.Combine(TestAssets.RepositoryRoot, "tests", "Vsa.Edge.Agent.Tests", "Data", "vtest-scenarios.json");

    public async Task InitializeAsync()
    {
        var (events, detections) = (Path.Combine(_dir.FullName, "events.jsonl"), Path.Combine(_dir.FullName, "detections.jsonl"));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await new AnalyzeCommand(stdout, stderr, stderrIsTerminal: false, TimeProvider.System, NullLoggerFactory.Instance).RunAsync(
            ["--source", TestAssets.DemoClip, "--camera", CameraFile, "--every", "4", "--providers", "CPU",
             "--events-out", events, "--detections-out", detections, "--start", "2026-03-01T09:00:00Z"],
            CancellationToken.None);
        Assert.True(exit == 0, stderr.ToString());
        Summary = stdout.ToString();
        Alerts.AddRange(File.ReadAllLines(events).Select(l => JsonSerializer.Deserialize(l, ContractsJsonContext.Default.AlertMessage)!));
        foreach (var line in File.ReadAllLines(detections))
        {
            using var doc = JsonDocument.Parse(line);
            var time = DateTimeOffset.Parse(doc.RootElement.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture);
            foreach (var o in doc.RootElement.GetProperty("objects").EnumerateArray())
            {
                if (o.GetProperty("trackId").ValueKind == JsonValueKind.Number)
                {
                    var b = o.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                    var id = o.GetProperty("trackId").GetInt32();
                    (Tracks.TryGetValue(id, out var list) ? list : Tracks[id] = []).Add((time, b[0] + (b[2] / 2), b[1] + b[3]));
                }
            }
        }
    }

    public Task DisposeAsync()
    {
        _dir.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class DemoClipScenarioTests(DemoClipScenarioFixture run) : IClassFixture<DemoClipScenarioFixture>
{
    [Fact]
    public void Intrusion_SquarePeopleCross_AlertsAndTheEmptyLawnNever()
    {
        var square = Starts(EventType.Intrusion, "square");

        Assert.True(square.Count >= 5, $"people cross the square all the time ({square.Count} alerts)");
        Assert.All(square, a => Assert.Equal("person", Assert.Single(a.Objects).Class));
        Assert.Empty(Starts(EventType.Intrusion, "lawn"));
    }

    [Fact]
    public void CrowdDensity_CountOfFiveReached_AlertsAndCountOfTwelveNever()
    {
        var paved = Starts(EventType.CrowdDensity, "paved");

        Assert.NotEmpty(paved);
        Assert.All(paved, a =>
        {
            Assert.Equal(("count", "persons"), (a.Measurement!.Name, a.Measurement.Unit));
            Assert.InRange(a.Measurement.Value, 5, 12);
            Assert.True(a.Objects.Count >= 5, "the alert lists the people counted");
        });
        Assert.Empty(Starts(EventType.CrowdDensity, "paved_high"));
    }

    [Theory]
    [InlineData("pavement_eastbound", -1)]
    [InlineData("pavement_westbound", +1)]
    public void WrongWay_AllowedDirectionAlongThePavement_AlertsOnlyPeopleWalkingTheOtherWay(string zone, int wrongSign)
    {
        var alerts = Starts(EventType.WrongWay, zone);

        Assert.True(alerts.Count >= 3, $"people walk both ways along the pavement ({alerts.Count} alerts in {zone})");
        foreach (var alert in alerts)
        {
            // Where the track went over the two seconds before the alert started, from the detections file.
            var trackId = Assert.Single(alert.Objects).TrackId!.Value;
            var path = run.Tracks[trackId].Where(p => p.Time <= alert.ObservedAt && p.Time >= alert.ObservedAt.AddSeconds(-2)).ToList();
            var dx = path[^1].X - path[0].X;
            Assert.True(wrongSign * dx >= 0.05, $"track {trackId} alerted in {zone} at {alert.ObservedAt:HH:mm:ss} but moved {dx:+0.000;-0.000} across the frame");
        }
    }

    [Fact]
    public void Summary_TableByEventType_MatchesTheEventsWritten()
    {
        Assert.Contains("alerts by event type:", run.Summary, StringComparison.Ordinal);
        foreach (var type in new[] { EventType.Intrusion, EventType.CrowdDensity, EventType.WrongWay })
        {
            var name = Vsa.Edge.Configuration.EventTypes.ToWireName(type);
            var starts = run.Alerts.Count(a => a.EventType == type && a.State == AlertState.Start);
            var ends = run.Alerts.Count(a => a.EventType == type && a.State == AlertState.End);
            Assert.Matches($@"\n  {name} +{starts} +\d+ +{ends}  [a-z]+ [0-9.]+ [a-z/]+", run.Summary);
        }
    }

    private List<AlertMessage> Starts(EventType type, string zone) =>
        [.. run.Alerts.Where(a => a.EventType == type && a.ZoneId == zone && a.State == AlertState.Start)];
}
