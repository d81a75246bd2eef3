using System.Text.Json;
using Vsa.Edge.Agent.Core.Reconcile;
using Vsa.Edge.Configuration;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Reconcile;

public sealed class DesiredConfigCheckerTests
{
    private const string Square = "[[0.3, 0.4], [0.8, 0.36], [0.98, 0.58], [0.3, 0.55]]";
    private static readonly DateTimeOffset Now = new(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);

    internal static JsonElement Camera(string id, string polygon = Square, string source = "/data/clip.avi", string events = "[{ \"type\": \"intrusion\", \"zones\": [\"square\"] }]") =>
        JsonDocument.Parse($$"""{ "cameraId": "{{id}}", "source": "{{source}}", "zones": [{ "id": "square", "polygon": {{polygon}} }], "events": {{events}} }""").RootElement.Clone();

    internal static DesiredConfigMessage Desired(long version, IReadOnlyList<JsonElement> cameras, IReadOnlyList<AuthorisationWindow>? windows = null, string device = "dev-1") =>
        new(DesiredConfigMessage.SchemaId, DesiredConfigMessage.CurrentVersion, device, version, Now, cameras, windows ?? [new AuthorisationWindow("A-1", "PM", ["intrusion"], ["cam-1"], Now, Now.AddDays(1))]);

    [Fact]
    public void Check_ValidConfiguration_CamerasAndGate()
    {
        var valid = DesiredConfigChecker.Check(Desired(1, [Camera("cam-1"), Camera("cam-2")]), "dev-1", TestData.Manifest(), out var errors);

        Assert.Empty(errors);
        Assert.NotNull(valid);
        Assert.Equal(["cam-1", "cam-2"], valid.Cameras.Select(c => c.CameraId));
        Assert.True(valid.Gate.IsAuthorised("cam-1", EventType.Intrusion, Now));
    }

    [Fact]
    public void Check_OneCameraWithABadPolygon_WholeVersionRejectedNamingCameraAndField()
    {
        var bowtie = "[[0.7, 0.1], [0.9, 0.4], [0.9, 0.1], [0.7, 0.4]]";

        var valid = DesiredConfigChecker.Check(Desired(2, [Camera("cam-1"), Camera("cam-2", bowtie)]), "dev-1", TestData.Manifest(), out var errors);

        Assert.Null(valid);
        Assert.Contains("cameras[1] ('cam-2').zones[0].polygon: self-intersecting", errors);
        Assert.All(errors, e => Assert.StartsWith("cameras[1] ('cam-2').", e));
    }

    [Fact]
    public void Check_CategoryTheModelLacks_Rejected()
    {
        var valid = DesiredConfigChecker.Check(Desired(2, [Camera("cam-1", events: "[{ \"type\": \"weapon\" }]")]), "dev-1", TestData.Manifest(), out var errors);

        Assert.Null(valid);
        Assert.Contains(errors, e => e.StartsWith("cameras[0] ('cam-1').events[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_DuplicateCameraIdWrongDeviceBadWindow_EveryErrorListed()
    {
        var window = new AuthorisationWindow("A-1", "PM", ["intrusion"], ["cam-1"], Now, Now);

        var valid = DesiredConfigChecker.Check(Desired(3, [Camera("cam-1"), Camera("cam-1")], [window], device: "dev-2"), "dev-1", TestData.Manifest(), out var errors);

        Assert.Null(valid);
        Assert.Contains("deviceId: 'dev-2' is not this device ('dev-1')", errors);
        Assert.Contains("cameras[1] ('cam-1').cameraId: used by another camera of this configuration", errors);
        Assert.Contains(errors, e => e.StartsWith("authorisations[0].endsAt:", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UnknownField_RejectedByTheCameraFileRules()
    {
        var odd = JsonDocument.Parse("""{ "cameraId": "cam-1", "source": "x.avi", "zones": [], "events": [], "faceRecognition": true }""").RootElement.Clone();

        var valid = DesiredConfigChecker.Check(Desired(1, [odd]), "dev-1", TestData.Manifest(), out var errors);

        Assert.Null(valid);
        Assert.Contains(errors, e => e.StartsWith("cameras[0] ('cam-1').", StringComparison.Ordinal) && e.Contains("faceRecognition", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_ZoneChangedSourceChangedAddedRemoved_OneStepEach()
    {
        var running = Parse(Camera("keep"), Camera("zone"), Camera("moved"), Camera("gone"));
        var next = Parse(Camera("keep"), Camera("zone", "[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]]"), Camera("moved", source: "rtsp://cam/2"), Camera("new"));

        var plan = ConfigPlanner.Plan(running, next);

        Assert.Equal(
            [("gone", CameraChangeKind.Stop), ("keep", CameraChangeKind.Unchanged), ("zone", CameraChangeKind.Update), ("moved", CameraChangeKind.Restart), ("new", CameraChangeKind.Start)],
            plan.Select(c => (c.CameraId, c.Kind)));
    }

    private static List<CameraConfig> Parse(params JsonElement[] documents) => [.. documents.Select(d => CameraConfigLoader.Parse(d.GetRawText()))];
}
