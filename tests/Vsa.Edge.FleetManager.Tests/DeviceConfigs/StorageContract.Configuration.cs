using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>Authorisations, desired versions and reports on both engines.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task SetDesiredAsync_ThreeChanges_VersionsIncreaseStaleExpectedConflictsAudited()
    {
        var (_, configs) = await ConfigStoresAsync(Now.AddDays(-1), Now.AddDays(30));
        var cameras = Cameras(ConfigSamples.Camera());

        var first = await configs.SetDesiredAsync("pole-12", cameras, 0, "alice", Now, CancellationToken.None);
        var second = await configs.SetDesiredAsync("pole-12", cameras, null, "bob", Now.AddMinutes(1), CancellationToken.None);
        var stale = await configs.SetDesiredAsync("pole-12", cameras, 1, "alice", Now.AddMinutes(2), CancellationToken.None);
        var current = await configs.FindDesiredAsync("pole-12", CancellationToken.None);

        Assert.Equal((SetDesiredOutcome.Stored, 1L), (first.Outcome, first.Desired!.Version));
        Assert.Equal((SetDesiredOutcome.Stored, 2L), (second.Outcome, second.Desired!.Version));
        Assert.Equal((SetDesiredOutcome.Conflict, 2L), (stale.Outcome, stale.CurrentVersion));
        Assert.Equal(second.Desired, current);
        Assert.Equal((2L, Now.AddMinutes(1)), (current!.Message().Version, current.Message().IssuedAt));
        Assert.Equal(2, await ScalarAsync("SELECT COUNT(*) FROM device_config_versions WHERE device_id = 'pole-12';"));
        var audit = (await Audit.ReadAsync(0, 100, CancellationToken.None)).Where(e => e.Action == AuditActions.ConfigurationChanged).ToList();
        Assert.Equal(["alice", "bob"], audit.Select(e => e.Actor));
        Assert.True((await AuditVerifier.VerifyAsync(Database, CancellationToken.None)).IsIntact);
    }

    [Fact]
    public async Task SetDesiredAsync_TwoConcurrentFromTheSameVersion_OneStoredOneConflict()
    {
        var (_, configs) = await ConfigStoresAsync(Now.AddDays(-1), Now.AddDays(30));
        var cameras = Cameras(ConfigSamples.Camera());

        var results = await Task.WhenAll(
            Task.Run(() => configs.SetDesiredAsync("pole-12", cameras, 0, "alice", Now, CancellationToken.None)),
            Task.Run(() => configs.SetDesiredAsync("pole-12", cameras, 0, "bob", Now, CancellationToken.None)));

        Assert.Equal([SetDesiredOutcome.Stored, SetDesiredOutcome.Conflict], results.Select(r => r.Outcome).Order());
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM device_config_versions;"));
    }

    [Fact]
    public async Task SetDesiredAsync_AuthorisationEnded_UnauthorisedAndNothingStored()
    {
        var (_, configs) = await ConfigStoresAsync(Now.AddDays(-30), Now.AddHours(-1));

        var result = await configs.SetDesiredAsync("pole-12", Cameras(ConfigSamples.Camera()), null, "alice", Now, CancellationToken.None);

        Assert.Equal(SetDesiredOutcome.Unauthorised, result.Outcome);
        Assert.Contains("2026-DPG-0412", Assert.Single(result.Errors!["cameras[0].events[0]"]), StringComparison.Ordinal);
        Assert.Null(await configs.FindDesiredAsync("pole-12", CancellationToken.None));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM device_config_versions;"));
    }

    [Fact]
    public async Task ReissueAsync_WindowChangedOrNot_NewVersionOnlyWhenItChanged()
    {
        var (authorisations, configs) = await ConfigStoresAsync(Now.AddDays(-1), Now.AddDays(30));
        await configs.SetDesiredAsync("pole-12", Cameras(ConfigSamples.Camera()), null, "alice", Now, CancellationToken.None);
        var id = (await authorisations.ListAsync(CancellationToken.None))[0].Id;
        var shortened = Valid(Now.AddDays(-1), Now.AddDays(2));

        var unchanged = await Database.InTransactionAsync((c, t) => configs.ReissueAsync(c, t, ["pole-12", "pole-99"], "alice", "no change", Now, CancellationToken.None), CancellationToken.None);
        var changed = await Database.InTransactionAsync(async (c, t) =>
        {
            await authorisations.UpdateAsync(c, t, id, shortened, "alice", Now, CancellationToken.None);
            return await configs.ReissueAsync(c, t, ["pole-12"], "alice", "shortened", Now, CancellationToken.None);
        }, CancellationToken.None);

        Assert.Empty(unchanged);
        var reissued = Assert.Single(changed).Message();
        Assert.Equal((2L, Now.AddDays(2)), (reissued.Version, Assert.Single(reissued.Authorisations).EndsAt));
    }

    [Fact]
    public async Task ApplyReportedAsync_OlderOrSameAt_IgnoredNewerKept()
    {
        var (_, configs) = await ConfigStoresAsync(Now.AddDays(-1), Now.AddDays(30));

        var first = await ReportAsync(configs, ConfigSamples.Reported("pole-12", Now, applied: 1));
        var same = await ReportAsync(configs, ConfigSamples.Reported("pole-12", Now, applied: 7));
        var older = await ReportAsync(configs, ConfigSamples.Reported("pole-12", Now.AddSeconds(-5), applied: 8));
        var newer = await ReportAsync(configs, ConfigSamples.Reported("pole-12", Now.AddSeconds(5), applied: 2, ConfigApplyStatus.Rejected, received: 3, ["zones[0].polygon: self-intersecting"], Cameras(ConfigSamples.Camera()).Select(c => c.Document).ToList()));
        var stored = await configs.FindReportedAsync("pole-12", CancellationToken.None);

        Assert.Equal((true, false, false, true), (first, same, older, newer));
        Assert.Equal((2L, ConfigApplyStatus.Rejected, Now.AddSeconds(5)), (stored!.Message.AppliedVersion!.Value, stored.Message.Status, stored.Message.At));
        Assert.Equal("zones[0].polygon: self-intersecting", Assert.Single(stored.Message.Errors));
        Assert.Equal("cam-1", stored.Message.Cameras[0].GetProperty("cameraId").GetString());
    }

    [Fact]
    public async Task ListAsync_DevicesWithConfiguration_SummaryShowsDriftAndNotReported()
    {
        var (_, configs) = await ConfigStoresAsync(Now.AddDays(-1), Now.AddDays(30));
        await Devices.ApplyStatusAsync(Samples.Status("pole-12", DeviceState.Online, Now), Now, CancellationToken.None);
        await Devices.ApplyStatusAsync(Samples.Status("pole-13", DeviceState.Online, Now), Now, CancellationToken.None);
        await configs.SetDesiredAsync("pole-12", Cameras(ConfigSamples.Camera()), null, "alice", Now, CancellationToken.None);
        var notReported = (await Devices.ListAsync(CancellationToken.None))[0].Config!;

        await ReportAsync(configs, ConfigSamples.Reported("pole-12", Now, applied: 1));
        var devices = await Devices.ListAsync(CancellationToken.None);

        Assert.Equal((1L, true, true), (notReported.DesiredVersion!.Value, notReported.Drift, notReported.NotReported));
        Assert.Equal(new DeviceConfigSummaryExpectation(1, 1, false, false), DeviceConfigSummaryExpectation.Of(devices[0].Config!));
        Assert.Equal(new DeviceConfigSummaryExpectation(null, null, false, true), DeviceConfigSummaryExpectation.Of(devices[1].Config!));
        Assert.Equal(devices[0], await Devices.FindAsync("pole-12", CancellationToken.None));
    }

    private static IReadOnlyList<ValidatedCamera> Cameras(params JsonElement[] documents)
    {
        Assert.True(DesiredConfigRules.TryValidateCameras(documents, out var cameras, out var errors), string.Join("; ", errors.SelectMany(e => e.Value)));
        return cameras;
    }

    private static ValidAuthorisation Valid(DateTimeOffset startsAt, DateTimeOffset endsAt)
    {
        Assert.True(AuthorisationRules.TryValidate(ConfigSamples.Authorisation("pole-12", startsAt, endsAt), out var valid, out _));
        return valid!;
    }

    private async Task<(AuthorisationStore Authorisations, ConfigStore Configs)> ConfigStoresAsync(DateTimeOffset startsAt, DateTimeOffset endsAt)
    {
        var authorisations = new AuthorisationStore(Database);
        await Database.InTransactionAsync((c, t) => authorisations.InsertAsync(c, t, Valid(startsAt, endsAt), "alice", Now, CancellationToken.None), CancellationToken.None);
        return (authorisations, new ConfigStore(Database, authorisations, Audit));
    }

    private Task<bool> ReportAsync(ConfigStore configs, ReportedConfigMessage report) =>
        Database.InTransactionAsync((c, t) => configs.ApplyReportedAsync(c, t, report, Now, CancellationToken.None), CancellationToken.None);

    private sealed record DeviceConfigSummaryExpectation(long? Desired, long? Applied, bool Drift, bool NotReported)
    {
        public static DeviceConfigSummaryExpectation Of(global::Vsa.Edge.FleetManager.Devices.DeviceConfigSummary s) => new(s.DesiredVersion, s.AppliedVersion, s.Drift, s.NotReported);
    }
}
