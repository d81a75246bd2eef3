using Vsa.Edge.Agent.Core.Rules;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

public sealed class PoseScoringTests
{
    /// <summary>MoveNet layout (y, x, score) × 17 with shoulders, hips, knees and ankles set; the rest unseen.</summary>
    private static float[] Keypoints((float X, float Y) shoulder, (float X, float Y) hip, (float X, float Y)? knee, (float X, float Y)? ankle, float score = 0.9f)
    {
        var k = new float[51];
        void Set(int index, (float X, float Y) p, float s) => (k[index * 3], k[(index * 3) + 1], k[(index * 3) + 2]) = (p.Y, p.X, s);
        Set(5, shoulder, score);
        Set(6, shoulder, score);
        Set(11, hip, score);
        Set(12, hip, score);
        if (knee is { } kn)
        {
            Set(13, kn, score);
            Set(14, kn, score);
        }

        if (ankle is { } a)
        {
            Set(15, a, score);
            Set(16, a, score);
        }

        return k;
    }

    [Theory]
    [InlineData(0.5f, 0.2f, 0.5f, 0.55f, 0.5f, 0.95f, 0f)] // standing
    [InlineData(0.2f, 0.5f, 0.5f, 0.5f, 0.9f, 0.55f, 1f)] // lying
    [InlineData(0.2f, 0.5f, 0.5f, 0.5f, 0.5f, 0.95f, 0f)] // bending: torso horizontal, legs vertical
    [InlineData(0.5f, 0.2f, 0.5f, 0.6f, 0.9f, 0.6f, 0f)] // sitting, legs stretched: torso vertical
    public void FromMoveNet_Posture_LyingScore(float sx, float sy, float hx, float hy, float ax, float ay, float expected)
    {
        var pose = PoseScoring.FromMoveNet(4, Keypoints((sx, sy), (hx, hy), null, (ax, ay)), 192, 192);

        Assert.Equal(4, pose.TrackId);
        Assert.Equal(expected, pose.LyingScore, 3);
        Assert.Equal(0.9f, pose.Confidence);
    }

    [Fact]
    public void FromMoveNet_WideCrop_UsesPixelAngles()
    {
        // Normalised, the torso leans 21° (upright); in a 400 × 100 px crop it leans 56° (nearly lying).
        var keypoints = Keypoints((0.2f, 0.1f), (0.5f, 0.9f), null, (0.9f, 0.95f));

        Assert.Equal(0f, PoseScoring.FromMoveNet(1, keypoints, 100, 100).LyingScore);
        Assert.InRange(PoseScoring.FromMoveNet(1, keypoints, 400, 100).LyingScore, 0.8f, 0.95f);
    }

    [Fact]
    public void FromMoveNet_NoLegsVisible_TorsoOnlyAtHalfConfidence()
    {
        var pose = PoseScoring.FromMoveNet(1, Keypoints((0.2f, 0.5f), (0.5f, 0.5f), null, null), 192, 192);

        Assert.Equal((1f, 0.45f), (pose.LyingScore, pose.Confidence));
    }

    [Fact]
    public void FromMoveNet_KneesInsteadOfAnkles_UsesKnees()
    {
        var pose = PoseScoring.FromMoveNet(1, Keypoints((0.2f, 0.5f), (0.5f, 0.5f), (0.5f, 0.8f), null), 192, 192);

        Assert.Equal(0f, pose.LyingScore); // bending, seen down to the knees
    }

    [Fact]
    public void FromMoveNet_HipsUnseen_NoEvidence()
    {
        var pose = PoseScoring.FromMoveNet(1, Keypoints((0.2f, 0.5f), (0.5f, 0.5f), null, (0.9f, 0.5f), score: 0.1f), 192, 192);

        Assert.Equal(0f, pose.Confidence);
    }

    [Fact]
    public void FromMoveNet_ShortArray_Throws()
    {
        Assert.Throws<ArgumentException>(() => PoseScoring.FromMoveNet(1, new float[50], 192, 192));
    }
}
