using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Commands;

/// <summary><c>analyze</c> with the pixel work besides detection: the tuning video, the pose pass and fire candidates.</summary>
public sealed class AnalyzeAnalysisTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-analysis-");
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task RunAsync_Annotate_WritesTheTuningVideoAndRemindsToDeleteIt()
    {
        var video = Path.Combine(_dir.FullName, "tuning", "vtest.mp4");

        var exit = await Analyze("--source", TestAssets.DemoClip, "--camera", SampleCamera, "--every", "20", "--annotate", video);

        Assert.True(exit == 0, _stderr.ToString());
        var summary = _stdout.ToString();
        var line = Assert.Single(summary.Split('\n'), l => l.StartsWith("annotated video: ", StringComparison.Ordinal));
        Assert.Contains("delete it", line, StringComparison.Ordinal);
        Assert.Contains("one month", line, StringComparison.Ordinal);
        var written = File.Exists(video) ? video : Path.ChangeExtension(video, ".avi");
        Assert.Contains(written, line, StringComparison.Ordinal);
        using var capture = new VideoCapture(written);
        Assert.True(capture.IsOpened());
        Assert.Equal((768, 576), (capture.FrameWidth, capture.FrameHeight));
        var frames = 0;
        using (var frame = new Mat())
        {
            while (capture.Read(frame))
            {
                frames++;
            }
        }

        Assert.Equal(40, frames);
    }

    [Fact]
    public async Task RunAsync_AnnotateToAnUnwritablePlace_FailsBeforeTheReplay()
    {
        var blocker = Path.Combine(_dir.FullName, "file");
        File.WriteAllText(blocker, "a file, not a folder");

        var exit = await Analyze("--source", TestAssets.DemoClip, "--camera", SampleCamera, "--annotate", Path.Combine(blocker, "tuning.mp4"));

        Assert.Equal(AnalyzeCommand.ExitUsage, exit);
        Assert.StartsWith("error: --annotate: ", _stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("frames:", _stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PersonDownAndFireEnabled_RunsPoseAndFireCandidatesAndReportsTheirCost()
    {
        var camera = Camera("""[ { "type": "person_down" }, { "type": "fire" } ]""");

        var exit = await Analyze("--source", TestAssets.DemoClip, "--camera", camera, "--every", "10", "--providers", "CPU");

        Assert.True(exit == 0, _stderr.ToString());
        var summary = _stdout.ToString();
        output.WriteLine(summary);
        Assert.Matches(@"\npose: \d+ person crops \(\d+ model runs\), [0-9.]+ ms per crop", summary);
        Assert.Contains("\nfire candidates: 80 frames, ", summary, StringComparison.Ordinal);

        // Nobody falls and nothing burns in the demo clip.
        Assert.Contains("alerts: none", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PersonDownWithoutThePoseModel_FailsNamingIt()
    {
        var camera = Camera("""[ { "type": "person_down" } ]""");
        var empty = Directory.CreateDirectory(Path.Combine(_dir.FullName, "no-model")).FullName;

        var exit = await Analyze("--source", TestAssets.DemoClip, "--camera", camera, "--pose-model", empty);

        Assert.Equal(AnalyzeCommand.ExitModel, exit);
        Assert.Contains("person_down needs the pose model", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_IntrusionOnly_LoadsNoPoseModelAndRunsNoFireDetector()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir.FullName, "no-model")).FullName;

        // The pose model folder is empty: an intrusion-only camera must not need it.
        var exit = await Analyze("--source", TestAssets.DemoClip, "--camera", SampleCamera, "--every", "100", "--pose-model", empty);

        Assert.True(exit == 0, _stderr.ToString());
        Assert.DoesNotContain("\npose:", _stdout.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\nfire candidates:", _stdout.ToString(), StringComparison.Ordinal);
    }

    private static string SampleCamera => Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json");

    private string Camera(string events)
    {
        var path = Path.Combine(_dir.FullName, "camera.json");
        File.WriteAllText(path, $$"""{ "cameraId": "vtest", "source": "vtest.avi", "zones": [], "events": {{events}} }""");
        return path;
    }

    private Task<int> Analyze(params string[] args) =>
        new AnalyzeCommand(_stdout, _stderr, stderrIsTerminal: false, TimeProvider.System, NullLoggerFactory.Instance)
            .RunAsync(args, CancellationToken.None);
}
