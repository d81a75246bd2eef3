using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>
/// A real device client publishes <c>config/reported</c> on the embedded broker; the fleet stores the newest by the device's
/// <c>at</c>, shows drift until the applied version is the desired one, and serves the camera layout the console draws.
/// </summary>
public sealed class ReportedConfigTests
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task Reported_VersionsAndRejection_DriftUntilTheDesiredVersionRuns()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var op = await fleet.ClientAsync(Role.Operator);
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        await ReportAsync(fleet, device, Samples.Status("pole-12", DeviceState.Online, Now), d => d.Status == DeviceState.Online);
        var beforeAnyReport = Assert.Single((await op.GetFromJsonAsync("/api/devices", FleetJsonContext.Default.IReadOnlyListDeviceView))!).Config!;

        using (var tap = fleet.Tap())
        {
            // The board learns of the new desired version from the live stream, before the device says anything.
            await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
            await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.Config is { DesiredVersion: 1, Drift: true, NotReported: true });
        }

        var notReported = await GetConfigAsync(admin, "pole-12");
        await ReportAsync(fleet, device, ConfigSamples.Reported("pole-12", Now.AddSeconds(1), applied: 1), d => d.Config!.AppliedVersion == 1);
        var inStep = await GetConfigAsync(admin, "pole-12");

        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera(polygon: "[[0.2,0.2],[0.8,0.2],[0.8,0.8]]")]));
        var behind = await GetConfigAsync(admin, "pole-12");
        await ReportAsync(fleet, device, ConfigSamples.Reported("pole-12", Now.AddSeconds(3), applied: 1, ConfigApplyStatus.Rejected, received: 2, ["cameras[0].source: cannot open"]), d => d.Config!.Status == ConfigApplyStatus.Rejected);
        var rejected = await GetConfigAsync(admin, "pole-12");
        var rejectedRow = Assert.Single((await op.GetFromJsonAsync("/api/devices", FleetJsonContext.Default.IReadOnlyListDeviceView))!).Config!;

        // An older report arriving late changes nothing; the next one, newer, is the barrier that shows it was handled.
        await device.PublishRawAsync(Topics.ConfigReported("pole-12"), Json(ConfigSamples.Reported("pole-12", Now.AddSeconds(2), applied: 2)), retain: true);
        await ReportAsync(fleet, device, ConfigSamples.Reported("pole-12", Now.AddSeconds(4), applied: 2), d => d.Config!.AppliedVersion == 2);
        var caughtUp = await GetConfigAsync(admin, "pole-12");

        Assert.Equal((null, true, false), (beforeAnyReport.DesiredVersion, beforeAnyReport.NotReported, beforeAnyReport.Drift));
        Assert.True(notReported.Drift);
        Assert.StartsWith("not reported", Assert.Single(notReported.DriftReasons), StringComparison.Ordinal);
        Assert.False(inStep.Drift);
        Assert.Equal("runs version 1, desired version 2", Assert.Single(behind.DriftReasons));
        Assert.True(rejected.Drift);
        Assert.Contains("rejected version 2: cameras[0].source: cannot open", rejected.DriftReasons);
        Assert.Equal((2L, 1L, ConfigApplyStatus.Rejected, true, false), (rejectedRow.DesiredVersion!.Value, rejectedRow.AppliedVersion!.Value, rejectedRow.Status!.Value, rejectedRow.Drift, rejectedRow.NotReported));
        Assert.Equal((false, 2L, Now.AddSeconds(4)), (caughtUp.Drift, caughtUp.Reported!.AppliedVersion!.Value, caughtUp.Reported.At));
        Assert.True(fleet.Statistics.Snapshot().Stale >= 1);
        Assert.Equal(3, fleet.Statistics.Snapshot().ConfigReports);
    }

    [Fact]
    public async Task Layout_ReportedElseDesired_GeometryWithoutSourceOr404()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var op = await fleet.ClientAsync(Role.Operator);
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
        await using var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12");
        await ReportAsync(fleet, device, Samples.Status("pole-12", DeviceState.Online, Now), d => d.Status == DeviceState.Online);

        var desired = await op.GetStringAsync("/api/devices/pole-12/cameras/cam-1/layout");
        // What runs is drawn; the names and the video software's link come only from the fleet's configuration, never from
        // what the device says (a device could otherwise make an operator open a page of its choosing).
        var runningNode = System.Text.Json.Nodes.JsonNode.Parse(ConfigSamples.Camera().GetRawText().Replace("\"quai\"", "\"quai-v0\"", StringComparison.Ordinal))!.AsObject();
        runningNode["displayName"] = "Cliquez sur le lien";
        runningNode["vmsName"] = "leurre";
        runningNode["vmsLinkTemplate"] = "https://attaquant.example/{cameraId}";
        var running = JsonSerializer.SerializeToElement(runningNode);
        await ReportAsync(fleet, device, ConfigSamples.Reported("pole-12", Now.AddSeconds(1), applied: null, cameras: [running]), d => !d.Config!.NotReported);
        var reported = await op.GetStringAsync("/api/devices/pole-12/cameras/cam-1/layout");
        var unknown = await op.GetAsync("/api/devices/pole-12/cameras/cam-9/layout");

        var desiredLayout = JsonSerializer.Deserialize(desired, FleetJsonContext.Default.CameraLayout)!;
        Assert.Equal(("desired", "quai", "bord", "fenetres"), (desiredLayout.Source, desiredLayout.Zones[0].Id, desiredLayout.Lines[0].Id, desiredLayout.PrivacyMasks[0].Id));
        Assert.Equal([[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]], desiredLayout.Zones[0].Polygon);
        var reportedLayout = JsonSerializer.Deserialize(reported, FleetJsonContext.Default.CameraLayout)!;
        Assert.Equal(("reported", "quai-v0"), (reportedLayout.Source, reportedLayout.Zones[0].Id));
        Assert.Equal((desiredLayout.DisplayName, desiredLayout.VmsName, desiredLayout.VmsLinkTemplate), (reportedLayout.DisplayName, reportedLayout.VmsName, reportedLayout.VmsLinkTemplate));
        Assert.DoesNotContain("attaquant", reported, StringComparison.Ordinal);
        Assert.DoesNotContain("rtsp", desired + reported, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetConfig_Auditor_SeesConfigurationWithPasswordsHidden()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var auditor = await fleet.ClientAsync(Role.Auditor);
        using var op = await fleet.ClientAsync(Role.Operator);
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));

        var asAuditor = await GetConfigAsync(auditor, "pole-12");
        var asAdmin = await GetConfigAsync(admin, "pole-12");

        Assert.Equal("rtsp://viewer:***@10.0.0.12/stream1", asAuditor.Desired!.Cameras[0].GetProperty("source").GetString());
        Assert.Equal(ConfigSamples.SecretSource, asAdmin.Desired!.Cameras[0].GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync("/api/devices/pole-12/config")).StatusCode);
    }

    private static string Json(ReportedConfigMessage report) => JsonSerializer.Serialize(report, ContractsJsonContext.Default.ReportedConfigMessage);

    /// <summary>Publishes a report (retained, as the agent does) or a status, and waits for the device row it changes.</summary>
    private static async Task ReportAsync(FleetApp fleet, TestDevice device, object message, Func<DeviceView, bool> condition)
    {
        using var tap = fleet.Tap();
        if (message is ReportedConfigMessage report)
        {
            await device.PublishRawAsync(Topics.ConfigReported(device.DeviceId), Json(report), retain: true);
        }
        else
        {
            await device.PublishAsync((StatusMessage)message);
        }

        await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.DeviceId == device.DeviceId && condition(d));
    }
}
