using System.Diagnostics;
using OpenCvSharp;
using Vsa.Edge.Agent.Core.Detection;
using Vsa.Edge.Agent.Tests.Support;
using Xunit.Abstractions;

namespace Vsa.Edge.Agent.Tests.Pose;

/// <summary>
/// MoveNet on real people of the demo clip. Frame 100: the man in a dark jacket and jeans walking away from the camera
/// on the right (about x 553–653, y 140–240 px, the crop the model tool's parity test uses), found by NanoDet.
/// </summary>
public sealed class PoseEstimatorTests(ModelFixture detector, PoseModelFixture pose, ITestOutputHelper output)
    : IClassFixture<ModelFixture>, IClassFixture<PoseModelFixture>
{
    private const int Frame = 100;
    private static readonly Rect Walker = new(553, 140, 100, 100);

    [Fact]
    public void Estimate_UprightWalkerFromTheClip_SaysUprightWithKeypointsOnHim()
    {
        using var frame = DemoClip.ReadFrame(Frame);
        var box = FindPerson(frame, Walker);
        using var estimator = pose.Model.CreateEstimator();

        var evidence = estimator.Estimate(frame, box, trackId: 7);

        output.WriteLine($"upright: lying {evidence.LyingScore:0.00}, confidence {evidence.Confidence:0.00}");
        Assert.Equal(7, evidence.TrackId);
        Assert.True(evidence.Confidence >= 0.3f, $"shoulders and hips should be seen (confidence {evidence.Confidence:0.00})");
        Assert.True(evidence.LyingScore <= 0.3f, $"a walking man is upright (lying {evidence.LyingScore:0.00})");

        // Keypoints map back onto him in the frame: shoulders inside his box, above his hips, hips above his ankles.
        var (shoulder, hip, ankle) = (Mid(estimator, 5, 6), Mid(estimator, 11, 12), Mid(estimator, 15, 16));
        Assert.InRange(shoulder.X, box.X, box.Right);
        Assert.InRange(shoulder.Y, box.Y, box.Bottom);
        Assert.True(shoulder.Y < hip.Y && hip.Y < ankle.Y, $"shoulders {shoulder.Y:0.000}, hips {hip.Y:0.000}, ankles {ankle.Y:0.000} from top to bottom");
    }

    [Fact]
    public void Estimate_SameWalkerRotated90Degrees_SaysLying()
    {
        using var frame = DemoClip.ReadFrame(Frame);
        var box = FindPerson(frame, Walker);

        // Cut a generous square around him, turn it a quarter clockwise, and turn his box with it.
        var (w, h) = (frame.Cols, frame.Rows);
        var (px, py, pw, ph) = (box.X * w, box.Y * h, box.Width * w, box.Height * h);
        var side = (int)(Math.Max(pw, ph) * 1.6);
        var cut = new Rect((int)(px + (pw / 2) - (side / 2)), (int)(py + (ph / 2) - (side / 2)), side, side).Intersect(new Rect(0, 0, w, h));
        using var crop = new Mat(frame, cut);
        using var rotated = new Mat();
        Cv2.Rotate(crop, rotated, RotateFlags.Rotate90Clockwise);
        var (cx, cy) = (px - cut.X, py - cut.Y);

        // (x, y) in the crop goes to (H - y, x) in the rotated image, which is H wide and W tall.
        var turned = new NormBox(
            (float)((cut.Height - cy - ph) / rotated.Cols),
            (float)(cx / rotated.Rows),
            (float)(ph / rotated.Cols),
            (float)(pw / rotated.Rows));
        using var estimator = pose.Model.CreateEstimator();

        var evidence = estimator.Estimate(rotated, turned, trackId: 7);

        output.WriteLine($"rotated: lying {evidence.LyingScore:0.00}, confidence {evidence.Confidence:0.00}");
        Assert.True(evidence.Confidence >= 0.3f, $"shoulders and hips should still be seen (confidence {evidence.Confidence:0.00})");
        Assert.True(evidence.LyingScore >= 0.6f, $"a body turned horizontal reads as lying (lying {evidence.LyingScore:0.00})");
    }

    [Fact]
    public void Estimate_SteadyState_AllocatesNothingAndReportsItsCost()
    {
        using var frame = DemoClip.ReadFrame(Frame);
        var box = FindPerson(frame, Walker);
        using var estimator = pose.Model.CreateEstimator();
        for (var i = 0; i < 3; i++)
        {
            estimator.Estimate(frame, box, 1);
        }

        const int runs = 20;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < runs; i++)
        {
            estimator.Estimate(frame, box, 1);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"pose: {elapsed.TotalMilliseconds / runs:0.00} ms per crop (crop + MoveNet lightning, CPU, 1 intra-op thread)");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Estimate_BoxPartlyOutsideTheFrame_PadsWithBlackAndStillRuns()
    {
        using var frame = DemoClip.ReadFrame(Frame);
        using var estimator = pose.Model.CreateEstimator();

        // A box hanging over the bottom-right corner: the square crop leaves the frame on two sides.
        var evidence = estimator.Estimate(frame, new NormBox(0.9f, 0.85f, 0.2f, 0.3f), 3);

        Assert.InRange(evidence.LyingScore, 0f, 1f);
        Assert.InRange(evidence.Confidence, 0f, 1f);
    }

    private NormBox FindPerson(Mat frame, Rect around)
    {
        var found = new List<Detection>();
        detector.Model.CreateDetector().Detect(frame, 0.5f, found);
        var (cx, cy) = ((around.X + (around.Width / 2.0)) / frame.Cols, (around.Y + (around.Height / 2.0)) / frame.Rows);
        var person = found
            .Where(d => d.ClassId == 0)
            .OrderBy(d => Math.Abs(d.Box.X + (d.Box.Width / 2) - cx) + Math.Abs(d.Box.Y + (d.Box.Height / 2) - cy))
            .First();
        Assert.InRange(person.Box.X + (person.Box.Width / 2), (float)around.X / frame.Cols, (float)around.Right / frame.Cols);
        return person.Box;
    }

    private static (double X, double Y) Mid(Vsa.Edge.Agent.Pose.PoseEstimator estimator, int left, int right)
    {
        var (a, b) = (estimator.Keypoint(left), estimator.Keypoint(right));
        return ((a.X + b.X) / 2, (a.Y + b.Y) / 2);
    }
}
