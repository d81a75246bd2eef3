using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Suspension;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Suspensions;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Suspensions;

/// <summary>
/// The fleet database restored from an older backup (docs/operations.md): the device, which applied states issued after the
/// backup, still obeys the first suspension issued after the restore. The device side is the agent's own
/// <see cref="SuspensionVerifier"/> (its source compiled into this test project).
/// </summary>
public sealed class SuspensionRestoreTests : IAsyncLifetime
{
    private const string DeviceId = "pole-12";

    private FakeTimeProvider _clock = new(Samples.T0);
    private readonly MessageSigner _signer = MessageSigner.CreateNew();
    private MigratedSqlite _sqlite = null!;
    private FleetDatabase _database = null!;

    public async Task InitializeAsync()
    {
        _sqlite = await MigratedSqlite.CreateAsync(_clock, "vsa-suspension-restore-");
        _database = _sqlite.Database;
        await new DeviceStore(_database).ApplyStatusAsync(Samples.Status(DeviceId, DeviceState.Online, Samples.T0), Samples.T0, CancellationToken.None);
    }

    [Fact]
    public async Task RecomputeAsync_AfterRestoringAnOlderDatabase_DeviceObeysTheNextSuspension()
    {
        var device = new Device(new SuspensionVerifier(new SignedMessageVerifier(SigningKeys.ReadPublicKeys(_signer.PublicKeyPem)), DeviceId));
        var backup = Path.Combine(_sqlite.Directory, "backup.db");
        await using (var connection = await _database.OpenAsync(CancellationToken.None))
        await using (var vacuum = connection.Sql(null, "VACUUM INTO @file;").With("@file", backup))
        {
            await vacuum.ExecuteNonQueryAsync(CancellationToken.None);
        }

        // After the backup: suspended, then resumed; the device applies both.
        var first = await SuspendAsync("vol de câbles");
        Assert.Null(device.Receive(await SignedStateAsync()));
        await ResumeAsync(first);
        Assert.Null(device.Receive(await SignedStateAsync()));
        Assert.False(device.Suspended);

        // Restore: stop, put the backup's file back, start.
        var file = Path.Combine(_sqlite.Directory, new StorageOptions().Sqlite);
        await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Copy(backup, file, overwrite: true);
        _database = FleetDatabase.Create(new StorageOptions { DataDirectory = _sqlite.Directory }, "/");
        Assert.Null(await new SuspensionStates(_database).FindAsync(DeviceId, CancellationToken.None));

        _clock.Advance(TimeSpan.FromMinutes(5));
        await SuspendAsync("réquisition du préfet");
        var refusal = device.Receive(await SignedStateAsync());

        Assert.Null(refusal);
        Assert.True(device.Suspended);
    }

    [Fact]
    public async Task RecomputeAsync_RestoredWithTheClockBehindWhatTheDeviceApplied_NextVersionAboveItsReport()
    {
        var device = new Device(new SuspensionVerifier(new SignedMessageVerifier(SigningKeys.ReadPublicKeys(_signer.PublicKeyPem)), DeviceId));
        var backup = Path.Combine(_sqlite.Directory, "backup.db");
        await using (var connection = await _database.OpenAsync(CancellationToken.None))
        await using (var vacuum = connection.Sql(null, "VACUUM INTO @file;").With("@file", backup))
        {
            await vacuum.ExecuteNonQueryAsync(CancellationToken.None);
        }

        // The fleet's clock ran two days ahead: the device applies a suspension and its lifting under those versions.
        _clock.Advance(TimeSpan.FromDays(2));
        await ResumeAsync(await SuspendAsync("vol de câbles"));
        Assert.Null(device.Receive(await SignedStateAsync()));
        var applied = (await new SuspensionStates(_database).FindAsync(DeviceId, CancellationToken.None))!.Version;

        // The clock is corrected and the older database restored; the device's next heartbeat says what it applies.
        var file = Path.Combine(_sqlite.Directory, new StorageOptions().Sqlite);
        await _database.DisposeAsync();
        SqliteConnection.ClearAllPools();
        File.Copy(backup, file, overwrite: true);
        _database = FleetDatabase.Create(new StorageOptions { DataDirectory = _sqlite.Directory }, "/");
        _clock = new FakeTimeProvider(Samples.T0.AddMinutes(5));
        var heartbeat = Samples.Health(DeviceId, _clock.GetUtcNow()) with { Suspension = new SuspensionReport(applied, Device: false, LocalKill: false, []) };
        await new DeviceStore(_database).ApplyHeartbeatAsync(heartbeat, _clock.GetUtcNow(), CancellationToken.None);

        await SuspendAsync("réquisition du préfet");

        Assert.Null(device.Receive(await SignedStateAsync()));
        Assert.True(device.Suspended);
    }

    [Fact]
    public void Next_ReportedVersion_FollowedUnlessBeyondAYearAhead()
    {
        var now = Samples.T0;
        var clock = now.ToUnixTimeMilliseconds();

        Assert.Equal(clock + 86_400_001, SuspensionVersions.Next(5, clock + 86_400_000, now));
        Assert.Equal(clock, SuspensionVersions.Next(5, 3, now));
        Assert.Equal(clock, SuspensionVersions.Next(5, long.MaxValue, now));
    }

    [Fact]
    public void Next_ClockBehindThePreviousVersion_StillGrows()
    {
        var now = Samples.T0;

        Assert.Equal(now.ToUnixTimeMilliseconds(), SuspensionVersions.Next(0, now));
        Assert.Equal(now.ToUnixTimeMilliseconds() + 1, SuspensionVersions.Next(now.ToUnixTimeMilliseconds(), now));
        Assert.Equal(now.AddDays(1).ToUnixTimeMilliseconds() + 1, SuspensionVersions.Next(now.AddDays(1).ToUnixTimeMilliseconds(), now));
    }

    public async Task DisposeAsync()
    {
        _signer.Dispose();
        await _sqlite.DisposeAsync();
    }

    private async Task<long> SuspendAsync(string reason)
    {
        _clock.Advance(TimeSpan.FromSeconds(1));
        var store = new SuspensionStore(_database);
        return await _database.InTransactionAsync(async (connection, transaction) =>
        {
            var stored = await store.InsertAsync(connection, transaction, new ValidSuspension(SuspensionScope.Device, null, DeviceId, null, reason), "admin", _clock.GetUtcNow(), CancellationToken.None);
            await RecomputeAsync(store, connection, transaction);
            return stored.Id;
        }, CancellationToken.None);
    }

    private async Task ResumeAsync(long id)
    {
        _clock.Advance(TimeSpan.FromSeconds(1));
        var store = new SuspensionStore(_database);
        await _database.InTransactionAsync(async (connection, transaction) =>
        {
            Assert.NotNull(await store.ResumeAsync(connection, transaction, id, "levée", "admin", _clock.GetUtcNow(), CancellationToken.None));
            await RecomputeAsync(store, connection, transaction);
            return id;
        }, CancellationToken.None);
    }

    private async Task RecomputeAsync(SuspensionStore store, System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction)
    {
        var active = await store.ListActiveAsync(connection, transaction, CancellationToken.None);
        Assert.Equal([DeviceId], await new SuspensionStates(_database).RecomputeAsync(connection, transaction, active, _clock.GetUtcNow(), CancellationToken.None));
    }

    // The payload the publisher signs and sends for the device (SuspensionPublisher.Sign, with a key of our own).
    private async Task<byte[]> SignedStateAsync()
    {
        var state = await new SuspensionStates(_database).FindAsync(DeviceId, CancellationToken.None);
        return _signer.SignToJson(SuspensionStateMessage.SchemaId, Encoding.UTF8.GetBytes(state!.Payload));
    }

    // What the agent keeps: the applied state, replaced only by a verified newer one.
    private sealed class Device(SuspensionVerifier verifier)
    {
        private SuspensionStateMessage? _applied;

        public bool Suspended => _applied?.Device is not null;

        // Null when applied; else why it was refused.
        public string? Receive(byte[] payload)
        {
            var opened = verifier.Open(payload, _applied?.Version ?? 0);
            if (opened.Message is { } message)
            {
                _applied = message;
                return null;
            }

            return opened.Error ?? "already applied";
        }
    }
}
