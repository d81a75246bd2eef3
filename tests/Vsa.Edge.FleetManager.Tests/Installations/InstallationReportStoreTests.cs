using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Installations;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Installations;

/// <summary>Installation reports on real SQLite: bounded per device, ids per device (red-team M3).</summary>
public sealed class InstallationReportStoreTests : IAsyncLifetime
{
    private MigratedSqlite _sqlite = null!;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private FleetDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await MigratedSqlite.CreateAsync(_clock, "vsa-installations-");
        _database = _sqlite.Database;
    }

    [Fact]
    public async Task SaveAsync_DeviceFloodsReports_KeepsOnlyItsNewestAndAnotherDevicesSameIdIsItsOwn()
    {
        var store = new InstallationReportStore(_database, _clock);
        var first = InstallationReportRulesTests.Report("pole-31");
        await store.SaveAsync(first, CancellationToken.None);
        var squatted = await store.SaveAsync(first with { DeviceId = "pole-66" }, CancellationToken.None);
        for (var i = 0; i < InstallationReportStore.KeptPerDevice + 5; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await store.SaveAsync(InstallationReportRulesTests.Report("pole-66"), CancellationToken.None);
        }

        var flooder = await store.ForDeviceAsync("pole-66", 1000, CancellationToken.None);
        var victim = await store.ForDeviceAsync("pole-31", 1000, CancellationToken.None);

        Assert.True(squatted);
        Assert.Equal(InstallationReportStore.KeptPerDevice, flooder.Count);
        Assert.DoesNotContain(flooder, r => r.ReportId == first.ReportId);
        Assert.Equal(first.ReportId, Assert.Single(victim).ReportId);
    }

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();
}
