using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.DeviceConfigs;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>The fleet refuses what the agent would refuse, and what no authorisation covers; drift and layouts read right.</summary>
public sealed class DesiredConfigRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryValidateCameras_SelfIntersectingPolygon_ErrorKeyedByCameraAndField()
    {
        var bowtie = ConfigSamples.Camera(polygon: "[[0.1,0.1],[0.9,0.9],[0.9,0.1],[0.1,0.9]]");

        Assert.False(DesiredConfigRules.TryValidateCameras([ConfigSamples.Camera("ok"), bowtie], out _, out var errors));

        Assert.All(errors.Keys, k => Assert.StartsWith("cameras[1].", k, StringComparison.Ordinal));
        Assert.StartsWith("camera 'cam-1': zones[0].polygon: self-intersecting", Assert.Single(errors["cameras[1].zones[0].polygon"]), StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidateCameras_UnknownEventAndNotAnObject_EachNamed()
    {
        Assert.False(DesiredConfigRules.TryValidateCameras([ConfigSamples.Camera(eventType: "loitering"), JsonDocument.Parse("42").RootElement], out _, out var errors));

        Assert.Contains(errors, e => e.Key.StartsWith("cameras[0].events[0]", StringComparison.Ordinal) && e.Value.Any(m => m.Contains("loitering", StringComparison.Ordinal)));
        Assert.True(errors.ContainsKey("cameras[1]"));
    }

    [Fact]
    public void TryValidateCameras_SameIdTwice_SecondRefused()
    {
        Assert.False(DesiredConfigRules.TryValidateCameras([ConfigSamples.Camera(), ConfigSamples.Camera()], out _, out var errors));

        Assert.Contains("cam-1", Assert.Single(errors["cameras[1].cameraId"]), StringComparison.Ordinal);
    }

    [Fact]
    public void FindUnauthorised_NoAuthorisation_NamesEventCameraAndDevice()
    {
        var errors = Unauthorised([ConfigSamples.Camera()], []);

        var message = Assert.Single(errors["cameras[0].events[0]"]);
        Assert.Contains("'intrusion' on camera 'cam-1' of device 'pole-12'", message, StringComparison.Ordinal);
        Assert.Contains("no authorisation names this camera", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindUnauthorised_AuthorisationEnded_NamesItAndItsEnd()
    {
        var ended = View("2025-DPG-0001", Now.AddDays(-30), Now.AddHours(-1), "intrusion");

        var message = Assert.Single(Unauthorised([ConfigSamples.Camera()], [ended])["cameras[0].events[0]"]);

        Assert.Contains($"authorisation 2025-DPG-0001 (Police municipale) ended at {ConfigSamples.Iso(Now.AddHours(-1))}", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindUnauthorised_AuthorisationForAnotherEvent_SaysWhichCoversTheCamera()
    {
        var other = View("2026-DPG-0002", Now.AddDays(-1), Now.AddDays(30), "crowd_density");

        var message = Assert.Single(Unauthorised([ConfigSamples.Camera()], [other])["cameras[0].events[0]"]);

        Assert.Contains("2026-DPG-0002 covers this camera but not 'intrusion'", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindUnauthorised_ActiveStartingLaterOrDisabled_Accepted()
    {
        Assert.Empty(Unauthorised([ConfigSamples.Camera()], [View("A", Now.AddDays(-1), Now.AddDays(1), "intrusion")]));
        Assert.Empty(Unauthorised([ConfigSamples.Camera()], [View("B", Now.AddDays(7), Now.AddDays(30), "intrusion")]));
        Assert.Empty(Unauthorised([ConfigSamples.Camera(enabled: false)], []));
    }

    [Fact]
    public void Compute_ReportsAgainstDesired_DriftOnlyWhenTheDeviceDoesNotRunIt()
    {
        Assert.False(ConfigDrift.Compute(null, null).Drift);
        Assert.Contains("not reported", Assert.Single(ConfigDrift.Compute(3, null).Reasons), StringComparison.Ordinal);
        Assert.Equal("runs version 2, desired version 3", Assert.Single(ConfigDrift.Compute(3, State(2, ConfigApplyStatus.Applied)).Reasons));
        Assert.False(ConfigDrift.Compute(3, State(3, ConfigApplyStatus.Applied)).Drift);

        var rejected = ConfigDrift.Compute(3, State(2, ConfigApplyStatus.Rejected, received: 3, "cameras[0].zones[0].polygon: self-intersecting"));
        Assert.True(rejected.Drift);
        Assert.Contains("rejected version 3: cameras[0].zones[0].polygon: self-intersecting", rejected.Reasons);
        Assert.Contains("local configuration", Assert.Single(ConfigDrift.Compute(1, State(null, ConfigApplyStatus.Applied)).Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CameraDocument_GeometryWithoutTheSource()
    {
        var layout = CameraLayoutReader.Read("pole-12", "cam-1", "desired", ConfigSamples.Camera());

        Assert.Equal(("quai", "Quai"), (Assert.Single(layout.Zones).Id, layout.Zones[0].Name));
        Assert.Equal([0.9, 0.1], layout.Zones[0].Polygon[1]);
        Assert.Equal(("bord", "left_to_right", 2), (Assert.Single(layout.Lines).Id, layout.Lines[0].Forbidden, layout.Lines[0].Points.Count));
        Assert.Equal("fenetres", Assert.Single(layout.PrivacyMasks).Id);
        Assert.DoesNotContain("s3cret", JsonSerializer.Serialize(layout, FleetJsonContext.Default.CameraLayout), StringComparison.Ordinal);
    }

    [Fact]
    public void RedactSource_RtspWithPassword_PasswordHidden()
    {
        var redacted = CameraLayoutReader.RedactSource(ConfigSamples.Camera());

        Assert.Equal("rtsp://viewer:***@10.0.0.12/stream1", redacted.GetProperty("source").GetString());
        Assert.Equal("quai", redacted.GetProperty("zones")[0].GetProperty("id").GetString());
    }

    private static Dictionary<string, string[]> Unauthorised(IReadOnlyList<JsonElement> cameras, IReadOnlyList<AuthorisationView> authorisations)
    {
        Assert.True(DesiredConfigRules.TryValidateCameras(cameras, out var valid, out var errors), string.Join("; ", errors.SelectMany(e => e.Value)));
        return DesiredConfigRules.FindUnauthorised("pole-12", valid, authorisations, Now);
    }

    private static AuthorisationView View(string reference, DateTimeOffset startsAt, DateTimeOffset endsAt, params string[] events) =>
        new(1, reference, "Police municipale", events, [new AuthorisedCamera("pole-12", "cam-1")], startsAt, endsAt, null, "admin", Now, "admin", Now);

    private static ReportedState State(long? applied, ConfigApplyStatus status, long? received = null, params string[] errors) =>
        new(applied is null ? ConfigSource.Local : ConfigSource.Fleet, applied, received ?? applied, status, errors);
}
