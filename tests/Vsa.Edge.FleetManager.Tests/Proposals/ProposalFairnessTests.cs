using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Proposals;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Proposals;

/// <summary>The fleet-wide review list on real SQLite: devices taken in turns, so a few cannot crowd out the others (red-team L8).</summary>
public sealed class ProposalFairnessTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private MigratedSqlite _sqlite = null!;
    private FleetDatabase _database = null!;
    private AuditLog _audit = null!;
    private ProposalStore _store = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await MigratedSqlite.CreateAsync(_clock, "vsa-proposals-");
        _database = _sqlite.Database;
        _audit = new AuditLog(_database, _clock);
        _store = new ProposalStore(_database, _audit, _clock);
    }

    [Fact]
    public async Task ListPendingAsync_HostileDevicesFillTheirQuota_EveryOtherDevicesProposalStillListed()
    {
        await ReceiveAsync("pole-honest", "cam-1");
        await ReceiveAsync("pole-late", "cam-1");
        var hostile = Enumerable.Range(0, 14).Select(i => $"pole-hostile-{i:00}").ToList();
        foreach (var device in hostile)
        {
            for (var camera = 0; camera < ProposalStore.MaxPendingPerDevice; camera++)
            {
                Assert.Equal(ProposalReceipt.Stored, await ReceiveAsync(device, $"cam-{camera}"));
            }
        }

        var listed = await _store.ListPendingAsync(ProposalEndpoints.PendingLimit, CancellationToken.None);

        Assert.Equal(ProposalEndpoints.PendingLimit, listed.Count);
        Assert.Single(listed, p => p.DeviceId == "pole-honest");
        Assert.Single(listed, p => p.DeviceId == "pole-late");
        var perHostile = listed.Where(p => p.DeviceId.StartsWith("pole-hostile-", StringComparison.Ordinal)).CountBy(p => p.DeviceId).Select(c => c.Value).ToList();
        Assert.Equal(hostile.Count, perHostile.Count);
        Assert.True(perHostile.Max() - perHostile.Min() <= 1, $"shares {string.Join(',', perHostile)}");
        Assert.Equal(listed.OrderByDescending(p => p.ReceivedAt).Select(p => p.ReceivedAt), listed.Select(p => p.ReceivedAt));
    }

    [Fact]
    public async Task ReceiveAsync_DeviceBeyondItsPendingQuota_RefusedAuditedOncePerHourAndSummarised()
    {
        for (var camera = 0; camera < ProposalStore.MaxPendingPerDevice; camera++)
        {
            await ReceiveAsync("pole-66", $"cam-{camera}");
        }

        var refusals = new List<ProposalReceipt>();
        for (var i = 0; i < 3; i++)
        {
            refusals.Add(await ReceiveAsync("pole-66", $"cam-extra-{i}"));
        }

        _clock.Advance(TimeSpan.FromHours(1));
        refusals.Add(await ReceiveAsync("pole-66", "cam-extra-9"));
        var audited = (await _audit.ReadAsync(0, 1000, CancellationToken.None)).Where(e => e.Action == ProposalAuditActions.Refused).ToList();
        var summary = Assert.Single(await _store.SummariseAsync(ProposalEndpoints.PendingLimit, CancellationToken.None));

        Assert.All(refusals, r => Assert.Equal(ProposalReceipt.TooManyPending, r));
        Assert.Equal(2, audited.Count);
        Assert.All(audited, e => Assert.Equal("device:pole-66", e.Actor));
        Assert.Contains("too_many_pending", audited[0].Details, StringComparison.Ordinal);
        Assert.Contains("already has 16 pending proposals", audited[0].Details, StringComparison.Ordinal);
        Assert.Equal(("pole-66", ProposalStore.MaxPendingPerDevice, ProposalStore.MaxPendingPerDevice), (summary.DeviceId, summary.Pending, summary.Listed));
    }

    [Fact]
    public async Task ReceiveAsync_AuditedRefusalRolledBack_NextRefusalIsAudited()
    {
        for (var camera = 0; camera < ProposalStore.MaxPendingPerDevice; camera++)
        {
            await ReceiveAsync("pole-67", $"cam-{camera}");
        }

        // The batch holding the first refusal (and its audit entry) fails after it: rolled back, nothing committed.
        await Assert.ThrowsAsync<TimeoutException>(() => ReceiveAsync("pole-67", "cam-extra-0", failAfter: true));
        Assert.Empty(await RefusalsAudited());

        Assert.Equal(ProposalReceipt.TooManyPending, await ReceiveAsync("pole-67", "cam-extra-1"));
        Assert.Equal(ProposalReceipt.TooManyPending, await ReceiveAsync("pole-67", "cam-extra-2"));

        var audited = Assert.Single(await RefusalsAudited());
        Assert.Contains("too_many_pending", audited.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiveAsync_TwoRefusalsInOneBatch_AuditedOnce()
    {
        for (var camera = 0; camera < ProposalStore.MaxPendingPerDevice; camera++)
        {
            await ReceiveAsync("pole-68", $"cam-{camera}");
        }

        // One ingestion batch (one transaction) holding two refusals of the device: the hour starts at its commit, but the
        // second refusal of the same transaction is not audited again.
        var receipts = await _database.InTransactionAsync(
            async (connection, transaction) =>
            {
                var results = new List<ProposalReceipt>();
                foreach (var cameraId in new[] { "cam-extra-a", "cam-extra-b" })
                {
                    _clock.Advance(TimeSpan.FromSeconds(1));
                    var camera = ConfigSamples.Camera(cameraId);
                    var message = new ConfigProposalMessage(ConfigProposalMessage.SchemaId, 1, "pole-68", ProposalSamples.IdOf("pole-68" + camera.GetRawText()), _clock.GetUtcNow(), camera);
                    results.Add(await _store.ReceiveAsync(connection, transaction, message, cameraId, _clock.GetUtcNow(), CancellationToken.None));
                }

                return results;
            },
            CancellationToken.None);
        _store.RefusalCommitted("pole-68");

        Assert.Equal([ProposalReceipt.TooManyPending, ProposalReceipt.TooManyPending], receipts);
        Assert.Single(await RefusalsAudited());
    }

    public async Task DisposeAsync() => await _sqlite.DisposeAsync();

    private async Task<List<AuditEntry>> RefusalsAudited() =>
        [.. (await _audit.ReadAsync(0, 1000, CancellationToken.None)).Where(e => e.Action == ProposalAuditActions.Refused)];

    // As the ingestion does: store in the batch's transaction, then, once it committed, announce (RefusalCommitted).
    private async Task<ProposalReceipt> ReceiveAsync(string deviceId, string cameraId, bool failAfter = false)
    {
        _clock.Advance(TimeSpan.FromSeconds(1));
        var camera = ConfigSamples.Camera(cameraId);
        var message = new ConfigProposalMessage(ConfigProposalMessage.SchemaId, 1, deviceId, ProposalSamples.IdOf(deviceId + camera.GetRawText()), _clock.GetUtcNow(), camera);
        var receipt = await _database.InTransactionAsync(
            async (connection, transaction) =>
            {
                var received = await _store.ReceiveAsync(connection, transaction, message, cameraId, _clock.GetUtcNow(), CancellationToken.None);
                return failAfter ? throw new TimeoutException("the batch's next message failed") : received;
            },
            CancellationToken.None);
        if (receipt is not ProposalReceipt.Stored and not ProposalReceipt.Duplicate)
        {
            _store.RefusalCommitted(deviceId);
        }

        return receipt;
    }
}
