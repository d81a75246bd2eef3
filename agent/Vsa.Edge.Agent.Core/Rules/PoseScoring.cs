namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>
/// Turns pose keypoints into a lying score for the person-down rule. Lying means torso and legs both near horizontal:
/// bending over has a horizontal torso on vertical legs, sitting a vertical torso, so neither scores.
/// </summary>
public static class PoseScoring
{
    /// <summary>MoveNet (COCO order) keypoint indices used here: the keypoints named in <see cref="Vsa.Edge.Configuration.PoseRequirements.UsedKeypoints"/>.</summary>
    private const int LeftShoulder = 5, RightShoulder = 6, LeftHip = 11, RightHip = 12, LeftKnee = 13, RightKnee = 14, LeftAnkle = 15, RightAnkle = 16;

    /// <summary>
    /// Evidence from MoveNet single-pose output for one person crop: 17 keypoints × (y, x, score), coordinates
    /// normalised to the crop. The crop's size in pixels restores the true angles when it is not square.
    /// A segment's score is 0 up to 30° from vertical and 1 from 60°; the lying score is the smaller of torso and legs
    /// (torso alone, at half confidence, when neither knees nor ankles are visible).
    /// </summary>
    /// <param name="trackId">The person track the crop was cut from.</param>
    /// <param name="keypoints">51 values: y, x, score for each of the 17 keypoints.</param>
    /// <param name="cropWidth">Crop width in pixels.</param>
    /// <param name="cropHeight">Crop height in pixels.</param>
    /// <param name="minKeypointScore">Keypoints scoring less are ignored.</param>
    public static PoseEvidence FromMoveNet(int trackId, ReadOnlySpan<float> keypoints, double cropWidth, double cropHeight, float minKeypointScore = 0.3f)
    {
        if (keypoints.Length < 17 * 3)
        {
            throw new ArgumentException("MoveNet output has 17 keypoints × (y, x, score).", nameof(keypoints));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cropWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cropHeight);
        var shoulder = Mid(keypoints, LeftShoulder, RightShoulder, cropWidth, cropHeight, minKeypointScore);
        var hip = Mid(keypoints, LeftHip, RightHip, cropWidth, cropHeight, minKeypointScore);
        if (shoulder.Score == 0 || hip.Score == 0)
        {
            return new PoseEvidence(trackId, 0, 0);
        }

        var torso = SegmentScore(shoulder, hip);
        var confidence = Math.Min(shoulder.Score, hip.Score);
        var foot = Mid(keypoints, LeftAnkle, RightAnkle, cropWidth, cropHeight, minKeypointScore);
        if (foot.Score == 0)
        {
            foot = Mid(keypoints, LeftKnee, RightKnee, cropWidth, cropHeight, minKeypointScore);
        }

        if (foot.Score == 0)
        {
            return new PoseEvidence(trackId, torso, confidence / 2);
        }

        return new PoseEvidence(trackId, Math.Min(torso, SegmentScore(hip, foot)), Math.Min(confidence, foot.Score));
    }

    private static float SegmentScore((double X, double Y, float Score) a, (double X, double Y, float Score) b)
    {
        var degrees = Math.Atan2(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y)) * 180 / Math.PI;
        return (float)Math.Clamp((degrees - 30) / 30, 0, 1);
    }

    /// <summary>Midpoint of a left/right pair in pixels (or the one visible side); score 0 when neither is visible.</summary>
    private static (double X, double Y, float Score) Mid(ReadOnlySpan<float> k, int left, int right, double w, double h, float min)
    {
        var (ly, lx, ls) = (k[left * 3], k[(left * 3) + 1], k[(left * 3) + 2]);
        var (ry, rx, rs) = (k[right * 3], k[(right * 3) + 1], k[(right * 3) + 2]);
        return (ls >= min, rs >= min) switch
        {
            (true, true) => ((lx + rx) / 2.0 * w, (ly + ry) / 2.0 * h, Math.Min(ls, rs)),
            (true, false) => (lx * w, ly * h, ls),
            (false, true) => (rx * w, ry * h, rs),
            _ => (0, 0, 0),
        };
    }
}
