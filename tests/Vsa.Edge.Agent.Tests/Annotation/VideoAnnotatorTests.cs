using OpenCvSharp;
using Vsa.Edge.Agent.Annotation;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Pipeline;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Annotation;

public sealed class VideoAnnotatorTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Labels = ["person", "car"];
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vsa-annotate-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Annotate_FramesWithZoneLineMaskAndAlert_WritesAPlayableVideoWithTheOverlay()
    {
        var camera = new CameraConfig(
            "cam",
            null,
            "clip.avi",
            [new ZoneConfig("yard", null, [[0.1f, 0.5f], [0.5f, 0.5f], [0.5f, 0.9f], [0.1f, 0.9f]], new AllowedDirectionConfig([1, 0]))],
            [new EventConfig("intrusion", ["yard"])],
            Lines: [new LineConfig("gate", null, [[0.7f, 0.9f], [0.7f, 0.4f]], "left_to_right")],
            PrivacyMasks: [new PrivacyMaskConfig("house", [[0.6f, 0.0f], [1.0f, 0.0f], [1.0f, 0.3f], [0.6f, 0.3f]])]);
        var path = Path.Combine(_dir.FullName, "tuning.mp4");
        using var stderr = new StringWriter();
        var detections = new[] { new Detection(new NormBox(0.2f, 0.55f, 0.1f, 0.3f), 0, 0.9f) };
        var alert = Alert(AlertState.Start);

        string written;
        using (var annotator = new VideoAnnotator(path, 10, camera, Labels, stderr))
        {
            for (var i = 0; i < 6; i++)
            {
                using var frame = new Mat(240, 320, MatType.CV_8UC3, new Scalar(90, 90, 90));
                var result = new FrameResult("cam", i, T0.AddSeconds(i / 10.0), detections, [4]);
                var observation = new FrameObservation([], result.Timestamp);
                AlertMessage[] alerts = i == 2 ? [alert] : i == 4 ? [Alert(AlertState.End)] : [];
                annotator.Annotate(frame, result, observation, alerts);
            }

            written = annotator.WrittenPath!;
            Assert.Equal(6, annotator.FramesWritten);
            Assert.Equal(annotator.Codec == "mp4v" ? path : Path.ChangeExtension(path, ".avi"), written);
        }

        using var capture = new VideoCapture(written);
        Assert.True(capture.IsOpened(), $"{written} should play back");
        var frames = new List<Mat>();
        using (var read = new Mat())
        {
            while (capture.Read(read))
            {
                frames.Add(read.Clone());
            }
        }

        Assert.Equal(6, frames.Count);
        Assert.Equal(new Size(320, 240), frames[0].Size());

        // The zone's bottom edge (y 0.9) is drawn in yellow on the grey background; the alert turns the person's box red
        // while it is open (frames 2 and 3), and not before.
        Assert.True(Yellowish(frames[0].At<Vec3b>(216, 64)), $"zone edge pixel {frames[0].At<Vec3b>(216, 64)}");
        Assert.True(Reddish(frames[3].At<Vec3b>(170, 64)), $"alerting box edge pixel {frames[3].At<Vec3b>(170, 64)}");
        Assert.False(Reddish(frames[0].At<Vec3b>(170, 64)), $"box edge before the alert {frames[0].At<Vec3b>(170, 64)}");
        foreach (var f in frames)
        {
            f.Dispose();
        }
    }

    private static bool Yellowish(Vec3b p) => p.Item2 > 150 && p.Item1 > 150 && p.Item0 < 110;

    private static bool Reddish(Vec3b p) => p.Item2 > 150 && p.Item1 < 90 && p.Item0 < 90;

    private static AlertMessage Alert(AlertState state) => new(
        AlertMessage.SchemaId,
        AlertMessage.CurrentVersion,
        Guid.NewGuid().ToString(),
        "alert-1",
        state == AlertState.Start ? 0 : 1,
        "dev",
        "cam",
        EventType.Intrusion,
        state,
        T0,
        T0.AddSeconds(0.2),
        state == AlertState.End ? T0.AddSeconds(0.4) : null,
        "yard",
        0.9,
        new Measurement("duration", 1, "s"),
        [new AlertObject("person", 0.9, [0.2, 0.55, 0.1, 0.3], 4)],
        new ModelRef("m", "1"));
}
