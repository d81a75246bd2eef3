using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Devices;

/// <summary>
/// <c>GET /api/devices/board</c> on a fleet of thousands (seeded in one transaction), on SQLite and on PostgreSQL: keyset
/// pages that walk every device once in order, the counts, every filter and the search.
/// </summary>
public sealed class DeviceBoardApiTests(PostgresFixture database) : IClassFixture<PostgresFixture>
{
    private const int Devices = 3000;

    [Fact]
    public Task GetBoard_Sqlite_PagesWalkEveryDeviceOnceInOrder() => WalkAsync(postgres: false);

    [Fact]
    public Task GetBoard_Postgres_PagesWalkEveryDeviceOnceInOrder() => WalkAsync(postgres: true);

    [Fact]
    public Task GetBoard_Sqlite_FiltersAndSearchNarrowToTheSeededCounts() => FiltersAsync(postgres: false);

    [Fact]
    public Task GetBoard_Postgres_FiltersAndSearchNarrowToTheSeededCounts() => FiltersAsync(postgres: true);

    [Fact]
    public async Task GetBoard_BadQuery_400NamingTheParameter()
    {
        await using var fleet = await FleetApp.StartAsync();
        using var op = await fleet.ClientAsync(Role.Operator);
        foreach (var (query, parameter) in new[] { ("sort=colour", "sort"), ("limit=0", "limit"), ("limit=abc", "limit"), ("after=%%%", "after"), ("state=asleep", "state"), ("dir=up", "dir"), ("expiringDays=-1", "expiringDays") })
        {
            var response = await op.GetAsync(new Uri($"/api/devices/board?{query}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains($"\"{parameter}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A text cursor handed to a numeric column is refused, not misread.
        var textCursor = new DeviceBoardCursor("Site 00 (pole-00000)", "pole-00000").ToString();
        Assert.Equal(HttpStatusCode.BadRequest, (await op.GetAsync(new Uri($"/api/devices/board?sort=outbox&after={textCursor}", UriKind.Relative))).StatusCode);
    }

    private async Task<FleetApp> SeededAsync(bool postgres)
    {
        var fleet = await FleetApp.StartAsync(postgres: postgres ? database.CreateSchema() : null);
        await BoardSeed.SeedAsync(fleet.Services.GetRequiredService<FleetDatabase>(), Devices, fleet.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        return fleet;
    }

    private async Task WalkAsync(bool postgres)
    {
        await using var fleet = await SeededAsync(postgres);
        using var op = await fleet.ClientAsync(Role.Operator);
        var expected = BoardSeed.Expected(Devices);

        var byLabel = await WalkAllAsync(op, "sort=device&limit=200");
        Assert.Equal(Devices, byLabel.Count);
        Assert.Equal(Enumerable.Range(0, Devices).Select(i => $"{BoardSeed.Site(i)} ({BoardSeed.DeviceId(i)})").Order(StringComparer.Ordinal),
            byLabel.Select(d => $"{d.Site} ({d.DeviceId})"));

        // Heartbeat times repeat every 600 devices: the device id breaks the ties, so no row is lost or repeated between pages.
        var byHeartbeat = await WalkAllAsync(op, "sort=heartbeat&dir=desc&limit=97");
        Assert.Equal(Devices, byHeartbeat.Select(d => d.DeviceId).Distinct().Count());
        Assert.Equal(byHeartbeat.Select(d => d.LastHeartbeatAt ?? DateTimeOffset.MinValue).OrderDescending(), byHeartbeat.Select(d => d.LastHeartbeatAt ?? DateTimeOffset.MinValue));
        var byStatus = await WalkAllAsync(op, "sort=status&limit=200");
        Assert.Equal(Devices, byStatus.Select(d => d.DeviceId).Distinct().Count());
        Assert.True(byStatus.Take(expected.Online).All(d => d.Status == Vsa.Edge.Contracts.DeviceState.Online && !d.NeverConnected));
        Assert.True(byStatus.TakeLast(expected.Never).All(d => d.NeverConnected));

        var first = await PageAsync(op, "limit=50");
        Assert.Equal((Devices, expected.Online, Devices, 50), (first.Total, first.Online, first.Matching, first.Items.Count));
        Assert.Equal(Enumerable.Range(0, BoardSeed.Sites).Select(i => BoardSeed.Site(i)), first.Sites);
        Assert.Equal(["nanodet-coco 1", "nanodet-coco 2"], first.Models);
    }

    private async Task FiltersAsync(bool postgres)
    {
        await using var fleet = await SeededAsync(postgres);
        using var op = await fleet.ClientAsync(Role.Operator);
        var expected = BoardSeed.Expected(Devices);

        Assert.Equal(expected.Online, (await PageAsync(op, "state=online")).Matching);
        Assert.Equal(expected.Offline, (await PageAsync(op, "state=offline")).Matching);
        Assert.Equal(expected.Never, (await PageAsync(op, "state=never")).Matching);
        var stopped = await WalkAllAsync(op, "state=stopped&sort=cameras&dir=desc");
        Assert.Equal(Enumerable.Range(0, Devices).Where(BoardSeed.Stopped).Select(BoardSeed.DeviceId), stopped.Select(d => d.DeviceId).Order(StringComparer.Ordinal));
        Assert.Equal(expected.NewModel, (await PageAsync(op, "model=nanodet-coco%202")).Matching);
        Assert.Equal(expected.Expiring, (await PageAsync(op, "expiringDays=30")).Matching);
        Assert.Equal(Devices / BoardSeed.Sites, (await PageAsync(op, "site=Site%2003")).Matching);
        var offlineOnSite = Enumerable.Range(0, Devices).Count(i => BoardSeed.Offline(i) && BoardSeed.Site(i) == "Site 10");
        Assert.Equal(offlineOnSite, (await PageAsync(op, "site=Site%2010&state=offline")).Matching);

        // Search: by device id (any case), by camera id, by site.
        var one = await PageAsync(op, "q=POLE-01234");
        Assert.Equal(["pole-01234"], one.Items.Select(d => d.DeviceId));
        Assert.Equal((Devices, expected.Online, 1, (string?)null), (one.Total, one.Online, one.Matching, one.Next));
        Assert.Equal(["pole-02345"], (await PageAsync(op, "q=cam-02345b")).Items.Select(d => d.DeviceId));
        Assert.Equal(Devices / BoardSeed.Sites, (await PageAsync(op, "q=site%2007")).Matching);
        Assert.Equal(0, (await PageAsync(op, "q=nowhere")).Matching);
    }

    private static async Task<DeviceBoardPage> PageAsync(HttpClient client, string query) =>
        (await client.GetFromJsonAsync($"/api/devices/board?{query}", FleetJsonContext.Default.DeviceBoardPage))!;

    private static async Task<List<DeviceView>> WalkAllAsync(HttpClient client, string query)
    {
        var all = new List<DeviceView>();
        var page = await PageAsync(client, query);
        all.AddRange(page.Items);
        while (page.Next is { } next)
        {
            Assert.Equal(page.Limit, page.Items.Count);
            page = await PageAsync(client, $"{query}&after={next}");
            all.AddRange(page.Items);
        }

        return all;
    }
}
