using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>
/// Scale-out: two fleet-manager instances on one PostgreSQL database, consuming through one shared subscription on Debian's
/// Mosquitto. Each alert must be processed by exactly one instance (the database's idempotency would hide a double delivery,
/// so the instances' own counters are what is checked), and both must take part.
/// </summary>
public sealed class SharedSubscriptionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int Alerts = 200;
    private readonly MosquittoFixture _mosquitto = new();

    [Fact]
    public async Task TwoInstancesInOneSharedGroup_EachAlertProcessedOnceAndLoadShared()
    {
        var database = postgres.CreateSchema();
        await using var first = await FleetApp.StartAsync(Settings("fleet-a"), postgres: database);
        await using var second = await FleetApp.StartAsync(Settings("fleet-b"), postgres: database);
        var seen = new HashSet<string>();
        using var firstTap = first.Tap();
        using var secondTap = second.Tap();
        bool AllSeen(AlertView alert)
        {
            lock (seen)
            {
                seen.Add(alert.AlertId);
                return seen.Count == Alerts;
            }
        }

        var firstDone = firstTap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, AllSeen);
        var secondDone = secondTap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, AllSeen);

        await using var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-7");
        var sent = new HashSet<string>();
        for (var i = 0; i < Alerts; i++)
        {
            var alert = Samples.AlertStart(device.DeviceId, startedAt: Samples.T0.AddSeconds(i));
            await device.PublishAsync(alert);
            sent.Add(alert.AlertId);
        }

        // The tap that saw the last alert ends; the other is closed and its wait ends with "no match".
        var done = await Task.WhenAny(firstDone, secondDone);
        await done;
        firstTap.Dispose();
        secondTap.Dispose();
        await Assert.ThrowsAsync<TimeoutException>(() => done == firstDone ? secondDone : firstDone);

        var a = first.Statistics.Snapshot();
        var b = second.Statistics.Snapshot();
        Assert.Equal(sent, seen);
        Assert.Equal(Alerts, a.Alerts + b.Alerts);
        Assert.Equal(0, a.Duplicates + b.Duplicates);
        Assert.True(a.Alerts > 0 && b.Alerts > 0, $"one instance took everything: {a.Alerts} / {b.Alerts}");
        var stored = await first.Services.GetRequiredService<AlertStore>().QueryAsync(new AlertQuery(500, null, null, null), CancellationToken.None);
        Assert.Equal(Alerts, stored.Count);
    }

    [Fact]
    public async Task SharedGroup_RetainedStatus_ReachesEveryInstance()
    {
        await using (var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-8"))
        {
            // Published before any instance runs: only an ordinary subscription gets it back, as a retained message.
            await device.PublishAsync(Samples.Status(device.DeviceId, DeviceState.Online, Samples.T0));
        }

        // Two databases, so that each instance has to learn the status itself.
        await using var first = await FleetApp.StartAsync(Settings("fleet-c"), postgres: postgres.CreateSchema());
        await using var second = await FleetApp.StartAsync(Settings("fleet-d"), postgres: postgres.CreateSchema());

        foreach (var fleet in new[] { first, second })
        {
            using var tap = fleet.Tap();
            var known = await fleet.Services.GetRequiredService<DeviceStore>().FindAsync("pole-8", CancellationToken.None)
                ?? await tap.WaitForAsync(LiveEventTypes.Device, FleetJsonContext.Default.DeviceView, d => d.DeviceId == "pole-8");
            Assert.Equal(DeviceState.Online, known.Status);
            Assert.Equal(Samples.T0, known.StatusAt);
        }
    }

    [Fact]
    public async Task SharedGroup_WithEmbeddedBroker_IsRefusedAtStart()
    {
        var settings = new Dictionary<string, string?> { ["Fleet:Broker:SharedSubscriptionGroup"] = "fleet" };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => FleetApp.StartAsync(settings));

        Assert.Contains("SharedSubscriptionGroup needs Mode External", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _mosquitto.Dispose();

    private Dictionary<string, string?> Settings(string clientId) => new()
    {
        ["Fleet:Broker:Mode"] = "External",
        ["Fleet:Broker:Host"] = _mosquitto.Host,
        ["Fleet:Broker:Port"] = _mosquitto.Port.ToString(CultureInfo.InvariantCulture),
        ["Fleet:Broker:ClientId"] = $"{clientId}-{Guid.NewGuid():N}",
        ["Fleet:Broker:SharedSubscriptionGroup"] = "vsa-fleet",
        ["Fleet:Live:SubscriberQueueCapacity"] = "10000",

        // What each instance stored itself is what this class checks; the fan-out to the other instances has its own tests (LiveFanOutTests).
        ["Fleet:Live:FanOut"] = "None",
    };
}
