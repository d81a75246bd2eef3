using System.Text.Json;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Reconcile;

public sealed class ReconcilePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);
    private static readonly ReconcilePlanner Planner = new();

    [Fact]
    public void Plan_NothingRuns_EveryDesiredCameraStartsInOrder()
    {
        var desired = Desired(Parse(Camera("b"), Camera("a")));

        var plan = Planner.Plan(desired, new CurrentState([]));

        Assert.Equal([("b", CameraChangeKind.Start), ("a", CameraChangeKind.Start)], plan.Cameras.Select(c => (c.CameraId, c.Kind)));
        Assert.Equal("/data/clip.avi", plan.Cameras[0].Next!.Source);
        Assert.Equal(2, plan.Count(CameraChangeKind.Start));
    }

    [Fact]
    public void Plan_AddedRemovedSourceAndZoneChanged_StopsFirstThenDesiredOrder()
    {
        var current = new CurrentState(Parse(Camera("keep"), Camera("zone"), Camera("moved"), Camera("gone")));
        var desired = Desired(Parse(Camera("keep"), Camera("zone", "[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]"), Camera("moved", source: "rtsp://cam/2"), Camera("new")));

        var plan = Planner.Plan(desired, current);

        Assert.Equal(
            [("gone", CameraChangeKind.Stop), ("keep", CameraChangeKind.Unchanged), ("zone", CameraChangeKind.Update), ("moved", CameraChangeKind.Restart), ("new", CameraChangeKind.Start)],
            plan.Cameras.Select(c => (c.CameraId, c.Kind)));
        Assert.Null(plan.Cameras[0].Next);
        Assert.Equal("rtsp://cam/2", plan.Cameras[3].Next!.Source);
    }

    [Fact]
    public void Plan_NoCamerasDesired_EveryRunningCameraStops()
    {
        var plan = Planner.Plan(Desired([]), new CurrentState(Parse(Camera("a"), Camera("b"))));

        Assert.All(plan.Cameras, c => Assert.Equal(CameraChangeKind.Stop, c.Kind));
        Assert.Equal(2, plan.Count(CameraChangeKind.Stop));
    }

    [Fact]
    public void Plan_SameCameras_AllUnchangedGateStillEnforced()
    {
        var gate = new AuthorisationGate([new AuthorisationWindow("A-7", "PM", ["intrusion"], ["a"], Now, Now.AddHours(2))]);

        var plan = Planner.Plan(Desired(Parse(Camera("a")), gate), new CurrentState(Parse(Camera("a"))));

        Assert.Equal(CameraChangeKind.Unchanged, Assert.Single(plan.Cameras).Kind);
        Assert.Same(gate, plan.Gate);
        Assert.True(plan.Gate.IsAuthorised("a", EventType.Intrusion, Now.AddHours(1)));
    }

    [Fact]
    public void Plan_FleetModelsAndKeys_HandedOnWhateverRuns()
    {
        var models = new ModelDesire([new DesiredModel("detector", "nanodet", "4", new string('a', 64), 10, "https://fleet/m/4")], ["key-1"]);

        var plan = Planner.Plan(Desired(Parse(Camera("a"))) with { Models = models }, new CurrentState(Parse(Camera("a"))));

        Assert.Same(models, plan.Models);
    }

    [Fact]
    public void Plan_LocalFiles_NoModelPart()
    {
        var plan = Planner.Plan(Desired(Parse(Camera("a"))), new CurrentState([]));

        Assert.Null(plan.Models);
    }

    private static DesiredState Desired(IReadOnlyList<CameraConfig> cameras, AuthorisationGate? gate = null) =>
        new(ConfigSource.Local, null, cameras, cameras, gate ?? AuthorisationGate.Unrestricted);

    private static JsonElement Camera(string id, string? polygon = null, string source = "/data/clip.avi") =>
        polygon is null ? DesiredConfigCheckerTests.Camera(id, source: source) : DesiredConfigCheckerTests.Camera(id, polygon, source);

    private static List<CameraConfig> Parse(params JsonElement[] documents) => [.. documents.Select(d => CameraConfigLoader.Parse(d.GetRawText()))];
}
