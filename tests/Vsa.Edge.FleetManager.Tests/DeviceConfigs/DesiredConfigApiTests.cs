using System.Net;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.DeviceConfigs;

/// <summary>
/// <c>PUT /api/devices/{deviceId}/config</c> on the real fleet manager: validated by the agent's validator, gated by the
/// authorisations, versioned, and published retained on the real embedded broker to a real MQTT client.
/// </summary>
public sealed class DesiredConfigApiTests
{
    private static readonly DateTimeOffset Now = ConfigSamples.NowToTheSecond();

    [Fact]
    public async Task Put_AuthorisedCamera_VersionedAndPublishedRetained()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        var authorisation = await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");

        var first = await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()], expectedVersion: 0));
        await WaitPublishedAsync(fleet, "pole-12", 1);

        // Subscribed after the publish: only the broker's retained copy can bring it.
        await using var device = await DesiredSubscriber.SubscribeAsync(fleet, "pole-12");
        var (retained, isRetained) = await device.NextAsync(m => m.Version == 1);
        Assert.True(isRetained);
        Assert.Equal((1L, true, "not reported"), (first.Desired!.Version, first.Drift, first.DriftReasons[0][..12]));
        Assert.Equal("cam-1", retained.Cameras[0].GetProperty("cameraId").GetString());
        var window = Assert.Single(retained.Authorisations);
        Assert.Equal((authorisation.Reference, authorisation.EndsAt, "cam-1"), (window.Reference, window.EndsAt, Assert.Single(window.Cameras)));

        var second = await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera(), ConfigSamples.Camera("cam-2", enabled: false)], expectedVersion: 1));
        var (live, _) = await device.NextAsync(m => m.Version == 2);
        var stale = await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()], expectedVersion: 1);

        Assert.Equal(2, second.Desired!.Version);
        Assert.Equal(2, live.Cameras.Count);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("version 2", (string?)JsonNode.Parse(await stale.Content.ReadAsStringAsync())!["detail"], StringComparison.Ordinal);
        Assert.Equal(2, (await GetConfigAsync(admin, "pole-12")).Desired!.Version);
    }

    [Fact]
    public async Task Put_InvalidOrUnauthorised_RefusedWithNamesAndNothingStored()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var op = await fleet.ClientAsync(Role.Operator);
        await fleet.KnowDeviceAsync("pole-30");

        var badPolygon = await PutConfigAsync(admin, "pole-30", [ConfigSamples.Camera(polygon: "[[0.1,0.1],[1.5,0.1],[0.9,0.9]]")]);
        var unknownEvent = await PutConfigAsync(admin, "pole-30", [ConfigSamples.Camera(eventType: "loitering")]);
        var unauthorised = await PutConfigAsync(admin, "pole-30", [ConfigSamples.Camera()]);
        var byOperator = await PutConfigAsync(op, "pole-30", [ConfigSamples.Camera(enabled: false)]);
        var wildcardId = await PutConfigAsync(admin, "pole%2B30", [ConfigSamples.Camera(enabled: false)]);

        Assert.Equal(HttpStatusCode.BadRequest, badPolygon.StatusCode);
        var badPolygonBody = await badPolygon.Content.ReadAsStringAsync();
        Assert.True(JsonNode.Parse(badPolygonBody)!["errors"]!.AsObject().ContainsKey("cameras[0].zones[0].polygon[1]"), badPolygonBody);
        Assert.Equal(HttpStatusCode.BadRequest, unknownEvent.StatusCode);
        Assert.Contains("loitering", await unknownEvent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unauthorised.StatusCode);
        var problem = JsonNode.Parse(await unauthorised.Content.ReadAsStringAsync())!;
        Assert.Equal("Event not authorised", (string?)problem["title"]);
        Assert.Contains("event 'intrusion' on camera 'cam-1' of device 'pole-30' is not authorised", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.NotNull(problem["errors"]!["cameras[0].events[0]"]);
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Contains("deviceId", await wildcardId.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wildcardId.StatusCode);
        Assert.Null((await GetConfigAsync(admin, "pole-30")).Desired);
    }

    [Fact]
    public async Task Restart_FleetWithStoredConfiguration_PublishedAgainFromTheDatabase()
    {
        var data = Directory.CreateTempSubdirectory("vsa-fleet-config-").FullName;
        try
        {
            await using (var fleet = await FleetApp.StartAsync(dataDirectory: data))
            {
                using var admin = await fleet.ClientAsync(Role.Admin);
                await AuthoriseAsync(admin, ConfigSamples.Authorisation("pole-12", Now.AddDays(-1), Now.AddDays(30)));
                await fleet.KnowDeviceAsync("pole-12");
                await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [ConfigSamples.Camera()]));
            }

            // A new process and a new embedded broker, which holds no retained message: the fleet publishes it again.
            await using var restarted = await FleetApp.StartAsync(dataDirectory: data);
            await WaitPublishedAsync(restarted, "pole-12", 1);
            await using var device = await DesiredSubscriber.SubscribeAsync(restarted, "pole-12");

            var (message, retained) = await device.NextAsync(m => m.Version == 1);

            Assert.True(retained);
            Assert.Equal("pole-12", message.DeviceId);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
