using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Devices;

/// <summary>
/// One device read after each heartbeat and status (the live event's row): it must cost index look-ups whatever the size of
/// the fleet. With the id only outside the union of known devices, SQLite scanned every device for each heartbeat, and the
/// fleet fell minutes behind 10,000 devices.
/// </summary>
public sealed class DeviceStoreFindTests
{
    [Fact]
    public async Task FindAsync_AmongOtherDevices_ReturnsThatDeviceWithItsHeartbeat()
    {
        await using var sqlite = await MigratedSqlite.CreateAsync(new FakeTimeProvider(Samples.T0));
        var store = new DeviceStore(sqlite.Database);
        foreach (var id in new[] { "pole-1", "pole-2", "pole-3" })
        {
            await store.ApplyHeartbeatAsync(Samples.Health(id, Samples.T0, executionProvider: id == "pole-2" ? "CUDA" : "CPU"), Samples.T0, CancellationToken.None);
        }

        await store.ApplyStatusAsync(Samples.Status("pole-3", DeviceState.Offline, Samples.T0.AddSeconds(1)), Samples.T0.AddSeconds(1), CancellationToken.None);

        var two = await store.FindAsync("pole-2", CancellationToken.None);
        var three = await store.FindAsync("pole-3", CancellationToken.None);

        Assert.Equal(("pole-2", DeviceState.Online, "CUDA"), (two?.DeviceId, two?.Status, two?.ExecutionProvider));
        Assert.Equal("pole-2", two?.LastHealth?.DeviceId);
        Assert.Equal(("pole-3", DeviceState.Offline), (three?.DeviceId, three?.Status));
        Assert.Null(await store.FindAsync("pole-4", CancellationToken.None));
    }

    [Fact]
    public async Task ApplyHeartbeatAsync_ReturnedRow_IsTheDeviceAfterTheHeartbeat()
    {
        await using var sqlite = await MigratedSqlite.CreateAsync(new FakeTimeProvider(Samples.T0));
        var store = new DeviceStore(sqlite.Database);
        await store.ApplyHeartbeatAsync(Samples.Health("pole-1", Samples.T0), Samples.T0, CancellationToken.None);

        var changed = await store.ApplyHeartbeatAsync(Samples.Health("pole-2", Samples.T0.AddSeconds(5)), Samples.T0.AddSeconds(5), CancellationToken.None);

        Assert.Equal(("pole-2", Samples.T0.AddSeconds(5)), (changed?.DeviceId, changed?.LastHeartbeatAt));
    }

    [Fact]
    public async Task JoinedOne_Sqlite_LooksTheIdUpInEveryTableAndScansNone()
    {
        await using var sqlite = await MigratedSqlite.CreateAsync(new FakeTimeProvider(Samples.T0));
        await using var connection = await sqlite.Database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, $"EXPLAIN QUERY PLAN {DeviceStore.JoinedOne};").With("@device_id", "pole-1");
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        // "SCAN k" is the one-row union itself; every table is searched by the id, none scanned.
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal) && step != "SCAN k");
        foreach (var table in new[] { "devices", "device_config", "device_certificates" })
        {
            Assert.Contains(plan, step => step.StartsWith($"SEARCH {table} ", StringComparison.Ordinal) && step.Contains("(device_id=?)", StringComparison.Ordinal));
        }
    }
}
