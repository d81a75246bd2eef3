using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary>Cross-field rules of the broker's TLS settings and of <see cref="TrustOptions"/>.</summary>
public sealed class TrustOptionsTests
{
    [Theory]
    [InlineData(8883, false, true)]
    [InlineData(8883, true, true)]
    [InlineData(1883, false, false)]
    [InlineData(1883, true, true)]
    public void BrokerValidator_TlsPortAndRequiredCertificates(int tlsPort, bool require, bool valid)
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Port = 1883, TlsPort = tlsPort, RequireClientCertificates = require });

        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Endpoint_Embedded_FleetClientsAlwaysUseTheTlsPort(bool requireClientCertificates)
    {
        var options = new BrokerOptions { Port = 1883, TlsPort = 8884, RequireClientCertificates = requireClientCertificates };

        Assert.True(options.ConnectsWithTls);
        Assert.Equal("mqtts://127.0.0.1:8884", options.Endpoint);
    }

    [Fact]
    public void TrustValidator_BadHostNameOrDefaultAboveMaximum_Fails()
    {
        var options = new TrustOptions { DefaultTokenLifetime = TimeSpan.FromDays(8) };
        options.ServerHostNames.Add("not a host");

        var result = new TrustOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("not a host", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("DefaultTokenLifetime", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Authority_FirstUse_CreatesCaKeyWithOwnerOnlyMode_AndReloadsTheSameCa()
    {
        var directory = Path.Combine(Directory.CreateTempSubdirectory("vsa-ca-").FullName, "trust");
        try
        {
            string first;
            using (var authority = new FleetCertificateAuthority(directory, new TrustOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<FleetCertificateAuthority>.Instance))
            {
                first = authority.Certificate.Thumbprint;
            }

            using var reloaded = new FleetCertificateAuthority(directory, new TrustOptions(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<FleetCertificateAuthority>.Instance);

            Assert.Equal(first, reloaded.Certificate.Thumbprint);
            Assert.True(reloaded.Certificate.HasPrivateKey);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, "ca.key")));
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }
}
