using System.Security.Cryptography;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>CSR checks, without a web host.</summary>
public sealed class DeviceCsrTests
{
    [Fact]
    public void TryParse_P256_AcceptsAndReadsTheDeviceId()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.True(DeviceCsr.TryParse(TrustedDevice.Csr("CN=pole-12, O=Ville de Nice", key), out var csr, out var error), error);
        Assert.Equal("pole-12", csr.DeviceId);
        Assert.False(csr.IsRsa);
    }

    [Fact]
    public void TryParse_Rsa2048_Accepts()
    {
        using var key = RSA.Create(2048);

        Assert.True(DeviceCsr.TryParse(TrustedDevice.Csr("CN=pole-12", key), out var csr, out var error), error);
        Assert.True(csr.IsRsa);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", "not a valid signed PKCS #10 request")]
    public void TryParse_NotACsr_SaysWhy(string? pem, string expected)
    {
        Assert.False(DeviceCsr.TryParse(pem, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TwoCommonNames_Refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.False(DeviceCsr.TryParse(TrustedDevice.Csr("CN=pole-12, CN=pole-13", key), out _, out var error));
        Assert.Contains("exactly one CN", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pole-12", true)]
    [InlineData("abc", true)]
    [InlineData("ab", false)]
    [InlineData("-pole", false)]
    [InlineData("Pole-12", false)]
    [InlineData("pole.12", false)]
    [InlineData("vsa-fleet.service", false)]
    public void DeviceIds_IsValid_FollowsTheRule(string id, bool valid) => Assert.Equal(valid, DeviceIds.IsValid(id));
}
