using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Broker;

/// <summary>
/// Bad broker settings stop the fleet manager at start with a message naming the setting. These run the real
/// <c>vsa-fleet</c> executable: a host that fails to start inside WebApplicationFactory can lose its own exception.
/// </summary>
public sealed class BrokerStartupTests
{
    [Fact]
    public async Task ExternalModeWithoutHost_ExitsNamingTheKey()
    {
        var result = await RunFleetAsync("--Fleet:Broker:Mode", "External");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("OptionsValidationException", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Fleet:Broker:Host is required", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortOutOfRange_ExitsNamingTheField()
    {
        var result = await RunFleetAsync("--Fleet:Broker:Port", "70000");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("OptionsValidationException", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Port", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddedPortInUse_ExitsNamingThePort()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var result = await RunFleetAsync("--Fleet:Broker:TlsPort", port.ToString(CultureInfo.InvariantCulture));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BrokerMode.Embedded, "0.0.0.0", null, true, true)]
    [InlineData(BrokerMode.Embedded, "::", null, true, true)]
    [InlineData(BrokerMode.Embedded, "127.0.0.1", null, false, true)]
    [InlineData(BrokerMode.Embedded, "::1", null, false, true)]
    [InlineData(BrokerMode.Embedded, "localhost", null, false, false)]
    [InlineData(BrokerMode.External, "0.0.0.0", "mqtt.example", false, true)]
    [InlineData(BrokerMode.External, "127.0.0.1", " ", false, false)]
    public void Validate_ModeAndAddresses(BrokerMode mode, string bindAddress, string? host, bool requireClientCertificates, bool valid)
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Mode = mode, BindAddress = bindAddress, Host = host, RequireClientCertificates = requireClientCertificates });

        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.168.10.5")]
    public void Validate_EmbeddedOnNetworkWithPlainPortOpen_FailsNamingBothSettingsAndTheFix(string bindAddress)
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { BindAddress = bindAddress, RequireClientCertificates = false });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Fleet:Broker:BindAddress", failure, StringComparison.Ordinal);
        Assert.Contains("Fleet:Broker:RequireClientCertificates=true", failure, StringComparison.Ordinal);
        Assert.Contains("mutual TLS", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, BrokerMode.Embedded)]
    [InlineData(false, BrokerMode.External)]
    public void Validate_BenchDevicesMayPublishWithoutThePlainBenchPort_FailsNamingTheSettings(bool requireClientCertificates, BrokerMode mode)
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions
        {
            Mode = mode,
            Host = "mqtt.example",
            RequireClientCertificates = requireClientCertificates,
            BenchDevicesMayPublish = true,
        });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Fleet:Broker:BenchDevicesMayPublish", failure, StringComparison.Ordinal);
        Assert.Contains("RequireClientCertificates=false", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_EmbeddedWithClientCertificatesOnly_NoPlainPortAndAPacketLimit()
    {
        var options = new BrokerOptions();

        Assert.True(new BrokerOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(options.RequireClientCertificates);
        Assert.False(options.OpensPlainPort);
        Assert.False(options.BenchDevicesMayPublish);
        Assert.Equal(256 * 1024, options.MaxPacketSize);
        Assert.Equal("mqtts://127.0.0.1:8883", options.Endpoint);
    }

    [Fact]
    public void Validate_PasswordWithoutUser_Fails()
    {
        var result = new BrokerOptionsValidator().Validate(null, new BrokerOptions { Password = "secret" });

        Assert.True(result.Failed);
    }

    [Fact]
    public void Endpoint_EmbeddedOnAllIpv6_ConnectsOverIpv6Loopback()
    {
        var options = new BrokerOptions { BindAddress = "::", TlsPort = 8884 };

        Assert.Equal("::1", options.ConnectHost);
        Assert.Equal("mqtts://[::1]:8884", options.Endpoint);
    }

    private static async Task<ExternalProcess.Result> RunFleetAsync(params string[] arguments)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("vsa-fleet-start-").FullName;
        try
        {
            return await ExternalProcess.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "vsa-fleet"),
                [.. arguments, "--urls", "http://127.0.0.1:0", "--Fleet:Storage:DataDirectory", dataDirectory, "--Fleet:Models:DeliveryPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture)]);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
