using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Storage;

/// <summary>The console's queue (every pending alert, oldest first, truncation said) and the board's registry, on both engines.</summary>
public abstract partial class StorageContract
{
    [Fact]
    public async Task QueryPageAsync_PendingOldestFirst_SkipsDecidedAndSaysWhenTruncated()
    {
        var alerts = Enumerable.Range(0, 4).Select(i => Samples.AlertStart("pole-1", startedAt: Now.AddMinutes(i))).ToArray();
        foreach (var alert in alerts)
        {
            await Alerts.ApplyAsync(alert, Now, CancellationToken.None);
        }

        await Alerts.DecideAsync(alerts[1].AlertId, AlertDecisionKind.Confirmed, null, null, "alice", Now.AddMinutes(5), CancellationToken.None);

        var firstTwo = await Alerts.QueryPageAsync(new AlertQuery(2, null, null, null, AlertDecisionFilter.Pending, AlertOrder.OldestFirst), CancellationToken.None);
        var all = await Alerts.QueryPageAsync(new AlertQuery(3, null, null, null, AlertDecisionFilter.Pending, AlertOrder.OldestFirst), CancellationToken.None);
        var nextPage = await Alerts.QueryPageAsync(new AlertQuery(2, alerts[2].StartedAt, null, null, AlertDecisionFilter.Pending, AlertOrder.OldestFirst), CancellationToken.None);
        var decided = await Alerts.QueryPageAsync(new AlertQuery(50, null, null, null, AlertDecisionFilter.Decided), CancellationToken.None);
        var newest = await Alerts.QueryPageAsync(new AlertQuery(1, null, null, null, AlertDecisionFilter.Pending), CancellationToken.None);

        Assert.Equal([alerts[0].AlertId, alerts[2].AlertId], Ids(firstTwo));
        Assert.True(firstTwo.Truncated);
        Assert.Equal([alerts[0].AlertId, alerts[2].AlertId, alerts[3].AlertId], Ids(all));
        Assert.False(all.Truncated);
        Assert.Equal([alerts[2].AlertId, alerts[3].AlertId], Ids(nextPage));
        Assert.False(nextPage.Truncated);
        Assert.Equal(alerts[1].AlertId, Assert.Single(decided.Alerts).AlertId);
        Assert.Equal((alerts[3].AlertId, true), (Assert.Single(newest.Alerts).AlertId, newest.Truncated));
    }

    [Fact]
    public async Task ListAsync_EnrolledOrConfiguredNeverConnected_ListedWithSiteOfActiveCertificate()
    {
        await Devices.ApplyHeartbeatAsync(Samples.Health("pole-1", Now), Now, CancellationToken.None);
        await EnrolledAsync("pole-1", "Gare Saint-Charles", revoked: false);
        await EnrolledAsync("pole-3", "Vieux-Port", revoked: false);
        await EnrolledAsync("pole-4", "Ancien site", revoked: true);
        await ExecuteAsync("INSERT INTO device_config (device_id, version, issued_at, issued_by, payload) VALUES ('pole-2', 1, @t, 'alice', '{}');", ("@t", Now));

        var devices = await Devices.ListAsync(CancellationToken.None);
        var configuredOnly = await Devices.FindAsync("pole-2", CancellationToken.None);

        Assert.Equal(["pole-1", "pole-2", "pole-3"], devices.Select(d => d.DeviceId));
        Assert.Equal(("Gare Saint-Charles", false, Now), (devices[0].Site, devices[0].NeverConnected, devices[0].FirstSeenAt));
        Assert.Equal((null, true, Vsa.Edge.Contracts.DeviceState.Offline, (DateTimeOffset?)null), (devices[1].Site, devices[1].NeverConnected, devices[1].Status, devices[1].FirstSeenAt));
        Assert.Equal((1L, true, true), (devices[1].Config!.DesiredVersion, devices[1].Config!.NotReported, devices[1].Config!.Drift));
        Assert.Equal(("Vieux-Port", true), (devices[2].Site, devices[2].NeverConnected));
        Assert.Equal(devices[1], configuredOnly);
        Assert.Null(await Devices.FindAsync("pole-4", CancellationToken.None));
    }

    private static string[] Ids(AlertPage page) => [.. page.Alerts.Select(a => a.AlertId)];

    // The rows enrolment leaves (a used token, a certificate), written directly: the contract is about the registry's read.
    private async Task EnrolledAsync(string deviceId, string site, bool revoked)
    {
        await ExecuteAsync(
            "INSERT INTO enrolment_tokens (token_hash, site, created_by, created_at, expires_at, used_at, used_by_device) VALUES (@hash, @site, 'admin', @t, @t, @t, @device);",
            ("@hash", $"hash-{deviceId}"), ("@site", site), ("@t", Now), ("@device", deviceId));
        await ExecuteAsync($"""
            INSERT INTO device_certificates (serial, device_id, site, token_id, not_before, not_after, certificate_pem, issued_at, revoked_at)
            VALUES (@serial, @device, @site, (SELECT token_id FROM enrolment_tokens WHERE token_hash = @hash), @t, @t, 'pem', @t, {(revoked ? "@t" : "NULL")});
            """,
            ("@serial", $"serial-{deviceId}"), ("@device", deviceId), ("@site", site), ("@hash", $"hash-{deviceId}"), ("@t", Now));
    }
}
