using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>
/// Red-team M4: a renewal comes only from the device's enrolled certificate (never from a renewal it has not switched to),
/// and issuing one revokes every earlier unswitched renewal of the device, so at most one stands beside the enrolled one.
/// </summary>
public sealed class CertificateRenewalGuardTests
{
    [Fact]
    public async Task Renew_EarlierUnswitchedRenewals_RevokedAndNeverAllowedToAsk()
    {
        await using var fleet = await FleetApp.StartAsync(waitForSubscription: false);
        using var admin = await fleet.ClientAsync(Role.Admin);
        using var device = await TrustedDevice.EnrolAsync(fleet, admin, "pole-25");
        var store = fleet.Services.GetRequiredService<CertificateRenewalStore>();
        var enrolment = fleet.Services.GetRequiredService<EnrolmentStore>();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var enrolled = device.Certificate.SerialNumber;

        var (_, first) = await store.RenewAsync(device.DeviceId, enrolled, Csr(device.DeviceId, key), CancellationToken.None);
        var (fromRenewal, fromRenewalIssued) = await store.RenewAsync(device.DeviceId, first!.Serial, Csr(device.DeviceId, key), CancellationToken.None);
        var (_, second) = await store.RenewAsync(device.DeviceId, enrolled, Csr(device.DeviceId, key), CancellationToken.None);

        Assert.Equal((RenewalRefusal.NotEnrolled, (IssuedCertificate?)null), (fromRenewal, fromRenewalIssued));
        Assert.False(await enrolment.IsActiveAsync(device.DeviceId, first.Serial, CancellationToken.None), "the earlier unswitched renewal is still active");
        Assert.True(await enrolment.IsActiveAsync(device.DeviceId, second!.Serial, CancellationToken.None));
        Assert.True(await enrolment.IsActiveAsync(device.DeviceId, enrolled, CancellationToken.None));

        // Once switched to, the renewal is the enrolled certificate: it may ask, the old one may not.
        var (switchRefusal, revoked) = await store.SwitchedAsync(device.DeviceId, second.Serial, CancellationToken.None);
        var (fromOld, _) = await store.RenewAsync(device.DeviceId, enrolled, Csr(device.DeviceId, key), CancellationToken.None);
        var (fromSwitched, third) = await store.RenewAsync(device.DeviceId, second.Serial, Csr(device.DeviceId, key), CancellationToken.None);

        Assert.Equal(RenewalRefusal.None, switchRefusal);
        Assert.Equal(enrolled, Assert.Single(revoked));
        Assert.Equal(RenewalRefusal.Revoked, fromOld);
        Assert.Equal(RenewalRefusal.None, fromSwitched);
        Assert.NotNull(third);
    }

    private static DeviceCsr Csr(string deviceId, ECDsa key)
    {
        Assert.True(DeviceCsr.TryParse(TrustedDevice.Csr($"CN={deviceId}", key), out var csr, out var error), error);
        return csr;
    }
}
