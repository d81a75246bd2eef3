using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>Refused messages: logged once per device, reason and interval; kept truncated in a table bounded by rows and by age.</summary>
public sealed class DeadLetterTests : IAsyncLifetime
{
    private MigratedSqlite _sqlite = null!;
    private readonly FakeTimeProvider _clock = new(Samples.T0);
    private FleetDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await MigratedSqlite.CreateAsync(_clock, "vsa-fleet-dead-letters-");
        _database = _sqlite.Database;
    }

    [Fact]
    public void Refused_SameDeviceAndReasonWithinTheInterval_LoggedOncePerInterval()
    {
        var log = new RejectionLog(Options.Create(new IngestionOptions { RejectLogInterval = TimeSpan.FromMinutes(1) }), _clock, NullLogger<RejectionLog>.Instance);

        Assert.True(log.Refused(Refusal("pole-1", RejectReason.InvalidUtf8)));
        Assert.False(log.Refused(Refusal("pole-1", RejectReason.InvalidUtf8)));
        Assert.True(log.Refused(Refusal("pole-1", RejectReason.MalformedJson)));
        Assert.True(log.Refused(Refusal("pole-2", RejectReason.InvalidUtf8)));
        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(log.Refused(Refusal("pole-1", RejectReason.InvalidUtf8)));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(log.Refused(Refusal("pole-1", RejectReason.InvalidUtf8)));
    }

    [Fact]
    public void Refused_FloodOfMadeUpDeviceIds_TrackingBoundedAndStillLoggedOncePerInterval()
    {
        var log = new RejectionLog(Options.Create(new IngestionOptions()), _clock, NullLogger<RejectionLog>.Instance);

        var logged = Enumerable.Range(0, RejectionLog.MaxTracked + 500).Count(i => log.Refused(Refusal($"fake-{i}", RejectReason.DeviceMismatch)));

        Assert.Equal(RejectionLog.MaxTracked + 1, logged);
        Assert.Equal(RejectionLog.MaxTracked + 1, log.Tracked);
    }

    [Fact]
    public async Task AddAsync_MoreThanTheBound_OnlyTheNewestKeptWithTheirHead()
    {
        var options = Options.Create(new IngestionOptions { DeadLetterMaxRows = 100, DeadLetterPayloadBytes = 8 });
        var store = new DeadLetterStore(_database, options);

        for (var i = 0; i < 150; i++)
        {
            await AddAsync(store, Refusal("pole-1", RejectReason.MalformedJson), Encoding.UTF8.GetBytes($"payload number {i}"), Samples.T0);
        }

        var kept = await store.ListAsync(1000, null, CancellationToken.None);
        Assert.Equal(100, kept.Count);
        Assert.Equal("payload ", Encoding.UTF8.GetString(Convert.FromBase64String(kept[0].PayloadHead)));
        Assert.Equal("payload number 149".Length, kept[0].PayloadBytes);
        Assert.Equal(kept[0].Id - 99, kept[^1].Id);
    }

    [Fact]
    public async Task AddAsync_TopicWithControlCharactersAndNoDevice_KeptPrintable()
    {
        var store = new DeadLetterStore(_database, Options.Create(new IngestionOptions()));

        await AddAsync(store, new StoredMessage("other/\u0001topic\nforged", IngestionOutcome.Rejected, null, RejectReason.UnknownTopic, "not ours"), [0xFF, 0x00], Samples.T0);

        var letter = Assert.Single(await store.ListAsync(10, null, CancellationToken.None));
        Assert.Equal(("other/\uFFFDtopic\uFFFDforged", null, null, "unknown_topic"), (letter.Topic, letter.DeviceId, letter.Kind, letter.Reason));
        Assert.Equal([0xFF, 0x00], Convert.FromBase64String(letter.PayloadHead));
    }

    [Fact]
    public async Task PurgeAsync_DeadLettersOlderThanTheirDays_Removed()
    {
        var store = new DeadLetterStore(_database, Options.Create(new IngestionOptions()));
        await AddAsync(store, Refusal("pole-1", RejectReason.MalformedJson), [1], Samples.T0.AddDays(-15));
        await AddAsync(store, Refusal("pole-1", RejectReason.MalformedJson), [2], Samples.T0.AddDays(-13));
        var purger = new RetentionPurger(_database, new AuditLog(_database, _clock), Options.Create(new RetentionOptions { DeadLetterDays = 14 }));

        var report = await purger.PurgeAsync(Samples.T0, CancellationToken.None);

        Assert.Equal(1, report.DeadLetters);
        Assert.Equal(Samples.T0.AddDays(-13), Assert.Single(await store.ListAsync(10, null, CancellationToken.None)).ReceivedAt);
    }

    public async Task DisposeAsync()
    {
        await _sqlite.DisposeAsync();
    }

    private static StoredMessage Refusal(string deviceId, RejectReason reason) =>
        new($"vsa/v1/{deviceId}/alerts", IngestionOutcome.Rejected, MessageKind.Alert, reason, "test");

    private async Task AddAsync(DeadLetterStore store, StoredMessage refused, byte[] payload, DateTimeOffset receivedAt) =>
        await _database.InTransactionAsync(async (c, t) =>
        {
            await store.AddAsync(c, t, refused, payload, receivedAt, CancellationToken.None);
            return true;
        }, CancellationToken.None);
}
