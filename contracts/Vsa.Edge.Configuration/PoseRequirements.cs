using Vsa.Edge.Contracts;

namespace Vsa.Edge.Configuration;

/// <summary>
/// What an enabled event of a camera document asks of the device's pose model, known without the rules: the fleet
/// checks a pose package against it before assigning one, the agent's lying score (<c>PoseScoring</c>) reads exactly
/// these keypoints.
/// </summary>
public static class PoseRequirements
{
    /// <summary>
    /// The keypoints the lying score reads (COCO names, as a pose model's labels and a pose package's <c>keypoints</c>): a
    /// pose model lacking one cannot serve the events of <see cref="EventsUsingPose"/>.
    /// </summary>
    public static IReadOnlyList<string> UsedKeypoints { get; } =
        ["left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"];

    /// <summary>The events whose rules read pose evidence (<c>RuleInputs.Pose</c> in <c>RuleFactory</c>).</summary>
    public static IReadOnlyList<EventType> EventsUsingPose { get; } = [EventType.PersonDown];
}
