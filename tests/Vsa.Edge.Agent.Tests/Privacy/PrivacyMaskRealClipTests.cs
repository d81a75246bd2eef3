using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Privacy;

/// <summary>
/// The demo clip replayed twice through the whole agent path (capture, masks, detector): without a mask, then with the
/// road on the right — where people keep walking in and out — masked as if it were the front of a dwelling.
/// </summary>
public sealed class PrivacyMaskRealClipTests(ITestOutputHelper output) : IDisposable
{
    // The road on the right of the frame, normalised.
    private const double X0 = 0.72, Y0 = 0.20, X1 = 1.0, Y1 = 0.85;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-mask-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Analyze_MaskOverTheRoad_NoDetectionThereAndTheRestUnchanged()
    {
        var open = await Detect("open", masks: "");
        var masked = await Detect("masked", masks: $$""", "privacyMasks": [ { "id": "road", "polygon": [[{{X0}}, {{Y0}}], [{{X1}}, {{Y0}}], [{{X1}}, {{Y1}}], [{{X0}}, {{Y1}}]] } ]""");

        var (openInside, openOutside) = (open.Count(b => InsideShare(b) >= 0.5), open.Count(b => InsideShare(b) == 0));
        var (maskedInside, maskedOutside) = (masked.Count(b => InsideShare(b) >= 0.5), masked.Count(b => InsideShare(b) == 0));
        output.WriteLine($"without mask: {openInside} detections mostly on the road, {openOutside} elsewhere; with it: {maskedInside} and {maskedOutside}");

        Assert.True(openInside >= 30, $"people walk on the road ({openInside} detections there without the mask)");
        Assert.Equal(0, maskedInside);
        Assert.InRange(maskedOutside, openOutside * 0.8, openOutside * 1.2);
    }

    private async Task<List<double[]>> Detect(string name, string masks)
    {
        var camera = Path.Combine(_dir.FullName, $"{name}.json");
        File.WriteAllText(camera, $$"""
            {
              "cameraId": "vtest-{{name}}",
              "source": "vtest.avi",
              "zones": [ { "id": "square", "polygon": [[0.30, 0.36], [0.62, 0.36], [0.62, 0.56], [0.30, 0.56]] } ],
              "events": [ { "type": "intrusion", "zones": ["square"] } ]{{masks}}
            }
            """);
        var detections = Path.Combine(_dir.FullName, $"{name}.jsonl");
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await new AnalyzeCommand(stdout, stderr, stderrIsTerminal: false, TimeProvider.System, NullLoggerFactory.Instance).RunAsync(
            ["--source", TestAssets.DemoClip, "--camera", camera, "--every", "10", "--providers", "CPU", "--detections-out", detections],
            CancellationToken.None);
        Assert.True(exit == 0, stderr.ToString());
        var boxes = new List<double[]>();
        foreach (var line in File.ReadAllLines(detections))
        {
            using var doc = JsonDocument.Parse(line);
            boxes.AddRange(doc.RootElement.GetProperty("objects").EnumerateArray()
                .Where(o => o.GetProperty("class").GetString() == "person")
                .Select(o => o.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()).ToArray()));
        }

        return boxes;
    }

    // Share of the box's area inside the masked rectangle.
    private static double InsideShare(double[] b)
    {
        var w = Math.Max(0, Math.Min(b[0] + b[2], X1) - Math.Max(b[0], X0));
        var h = Math.Max(0, Math.Min(b[1] + b[3], Y1) - Math.Max(b[1], Y0));
        return b[2] * b[3] > 0 ? w * h / (b[2] * b[3]) : 0;
    }
}
