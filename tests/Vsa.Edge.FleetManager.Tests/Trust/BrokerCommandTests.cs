using Vsa.Edge.FleetManager.Tests.Infrastructure;

namespace Vsa.Edge.FleetManager.Tests.Trust;

/// <summary><c>vsa-fleet broker mosquitto-config</c> as a real process.</summary>
public sealed class BrokerCommandTests
{
    [Fact]
    public async Task MosquittoConfig_WritesTheFilesWithTheFleetsCaAndCrl()
    {
        var root = Directory.CreateTempSubdirectory("vsa-broker-cmd-").FullName;
        try
        {
            var result = await ExternalProcess.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "vsa-fleet"),
                ["broker", "mosquitto-config", "--out", Path.Combine(root, "mosquitto"), "--port", "8884", "--host", "fleet.example",
                 "--max-packet-size", "131072", "--Fleet:Storage:DataDirectory", Path.Combine(root, "data")]);

            Assert.True(result.ExitCode == 0, result.StandardError);
            Assert.Contains($"Fleet CA: created in {Path.Combine(root, "data", "trust")}", result.StandardOutput, StringComparison.Ordinal);
            var conf = await File.ReadAllTextAsync(Path.Combine(root, "mosquitto", "mosquitto.conf"));
            Assert.Contains("listener 8884", conf, StringComparison.Ordinal);
            Assert.Contains("\nmax_packet_size 131072\n", conf, StringComparison.Ordinal);
            Assert.Contains($"crlfile {Path.Combine(root, "data", "trust", "crl.pem")}", conf, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(root, "data", "trust", "crl.pem")));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(root, "data", "trust", "ca.crt")), await File.ReadAllTextAsync(Path.Combine(root, "mosquitto", "ca.crt")));
            using var server = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(root, "mosquitto", "server.crt")));
            Assert.True(server.MatchesHostname("fleet.example"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("Option '--out' is required", "--port", "8884")]
    [InlineData("option '--port' must be an integer in [1, 65535], not '0'", "--out", "m", "--port", "0")]
    [InlineData("option '--max-packet-size' must be an integer in [1024, 268435460], not '1023'", "--out", "m", "--max-packet-size", "1023")]
    [InlineData("option '--max-packet-size' must be an integer in [1024, 268435460], not '268435461'", "--out=m", "--max-packet-size=268435461")]
    [InlineData("Required argument missing for option: '--out'", "--out")]
    [InlineData("unrecognized argument '--hosts'", "--out", "m", "--hosts", "fleet.example")]
    [InlineData("option '--host' must be an IP address or a DNS name", "--out", "m", "--host", "fleet.example\nlistener 1883\nallow_anonymous true")]
    [InlineData("option '--host' must be an IP address or a DNS name", "--out", "m", "--host", "fleet.example", "--host", "under_score.example")]
    [InlineData("option '--bind' must be an IP address or a host name", "--out", "m", "--bind", "0.0.0.0\nallow_anonymous true")]
    [InlineData("option '--out' must be a folder path without control characters", "--out", "m\nallow_anonymous true")]
    public async Task MosquittoConfig_BadArguments_ExitsWithUsageAndCreatesNoTrustDirectory(string message, params string[] options)
    {
        // Run where the default data directory (./data, its CA in ./data/trust) would land, to see that nothing is created.
        var workingDirectory = Directory.CreateTempSubdirectory("vsa-broker-cmd-cwd-").FullName;
        try
        {
            var result = await ExternalProcess.RunInAsync(workingDirectory, Path.Combine(AppContext.BaseDirectory, "vsa-fleet"), ["broker", "mosquitto-config", .. options]);

            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"error: {message}", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("vsa-fleet broker mosquitto-config --help", result.StandardError, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task MosquittoConfig_HostLongerThanDnsAllows_ExitsWithUsageNamingIt()
    {
        var workingDirectory = Directory.CreateTempSubdirectory("vsa-broker-cmd-cwd-").FullName;
        try
        {
            var name = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));

            var result = await ExternalProcess.RunInAsync(workingDirectory, Path.Combine(AppContext.BaseDirectory, "vsa-fleet"), ["broker", "mosquitto-config", "--out", "m", "--host", name]);

            Assert.Equal(2, result.ExitCode);
            Assert.Contains("error: option '--host' must be an IP address or a DNS name", result.StandardError, StringComparison.Ordinal);
            Assert.Contains($"({name.Length} characters)", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task MosquittoConfig_WithoutOut_ExitsWithUsage()
    {
        var workingDirectory = Directory.CreateTempSubdirectory("vsa-broker-cmd-cwd-").FullName;
        try
        {
            var result = await ExternalProcess.RunInAsync(workingDirectory, Path.Combine(AppContext.BaseDirectory, "vsa-fleet"), ["broker", "mosquitto-config"]);

            Assert.Equal(2, result.ExitCode);
            Assert.Contains("error: Option '--out' is required.", result.StandardError, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(workingDirectory, "data", "trust")));
            Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }
}
