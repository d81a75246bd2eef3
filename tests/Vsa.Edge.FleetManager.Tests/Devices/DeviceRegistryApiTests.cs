using System.Net.Http.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Tests.Trust;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.Devices;

/// <summary><c>GET /api/devices</c> as the device board reads it: sites from enrolment, devices that never connected.</summary>
public sealed class DeviceRegistryApiTests
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task GetDevices_EnrolledAndConfiguredNeverConnected_ListedWithSiteAndNeverConnected()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var op = await fleet.ClientAsync(Role.Operator);
        using var enrolled = await TrustedDevice.EnrolAsync(fleet, admin, "pole-enrolled");

        // Enrolled, configured, never connected (a device that was not enrolled nor heard from cannot be configured).
        using var configured = await TrustedDevice.EnrolAsync(fleet, admin, "pole-configured");
        await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-configured", Now.AddDays(-1), Now.AddDays(30)));
        using (var tap = fleet.Tap())
        {
            // The board hears of a device configured before it ever connected, at once.
            await ReadConfigAsync(await PutConfigAsync(admin, "pole-configured", [ConfigSamples.Camera()]));
            await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d is { DeviceId: "pole-configured", NeverConnected: true });
        }

        var before = (await op.GetFromJsonAsync("/api/devices", FleetJsonContext.Default.IReadOnlyListDeviceView))!;
        await using var plain = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-enrolled");
        using (var tap = fleet.Tap())
        {
            await plain.PublishAsync(Samples.Health("pole-enrolled", Now));
            await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d is { DeviceId: "pole-enrolled", NeverConnected: false });
        }

        var after = (await op.GetFromJsonAsync("/api/devices/pole-enrolled", FleetJsonContext.Default.DeviceView))!;

        Assert.Equal(["pole-configured", "pole-enrolled"], before.Select(d => d.DeviceId));
        Assert.Equal(("Gare Saint-Charles", true, DeviceState.Offline), (before[0].Site, before[0].NeverConnected, before[0].Status));
        Assert.Equal((1L, true, true), (before[0].Config!.DesiredVersion, before[0].Config!.NotReported, before[0].Config!.Drift));
        Assert.Equal(("Gare Saint-Charles", true, (DateTimeOffset?)null), (before[1].Site, before[1].NeverConnected, before[1].LastHeartbeatAt));
        Assert.Equal(("Gare Saint-Charles", false, DeviceState.Online), (after.Site, after.NeverConnected, after.Status));
    }
}
