using Vsa.Edge.Agent.Models;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Models;

public sealed class ModelSlotReportsTests
{
    [Fact]
    public void Put_PoseThenDetectorThenPoseAgain_ReportsEveryKindOnceDetectorFirst()
    {
        var reports = new ModelSlotReports();
        var pose = new ModelSlotReport("pose", "movenet-lightning", "factory", null, null, null);
        var detector = new ModelSlotReport("detector", "nanodet-coco", "2.0.0", new string('a', 64), "factory", null);
        var poseV2 = pose with { ActiveVersion = "2.0.0" };

        var afterPose = reports.Put(pose);
        var afterDetector = reports.Put(detector);
        var afterPoseV2 = reports.Put(poseV2);

        Assert.Equal([pose], afterPose);
        Assert.Equal([detector, pose], afterDetector);
        Assert.Equal([detector, poseV2], afterPoseV2);
    }
}
